"""Offline language understanding: what a resident means, in which language, and the facts they name.

The offline planner drives the same graph and tools as the chat-model planner, without a model server.
This package is its reading of a message, in three independent parts:

- `IntentClassifier` (`classifier.py`): a multinomial logistic regression over three feature blocks —
  character n-gram TF-IDF (carries Spanish and typos), word TF-IDF, and the MiniLM sentence embedding
  (carries English meaning; Spanish messages are first rendered word by word into English through a
  small glossary, `gloss.py`, so the embedding helps them too). It returns every intent's
  probability, a summed escalation probability, an `escalate` decision that also honours a fixed net
  of always-escalate words (`safety_net.py`), and an `ambiguous` flag for a clarifying question.
  Both thresholds are tuned on cross-validated predictions over the training data at training time.
  The model trains on first use from `training/intents.jsonl` (our own phone-style English and
  Spanish messages, labelling rules in `training/README.md`) and is cached on disk, keyed by data,
  code and library versions.
- `detect_language` (`language.py`): English, Spanish or other, by script, weighted word lists and
  letter cues; exact on one-word messages, no training.
- `extract_slots` (`slots.py`): amounts, dates, months, installments, charge kinds, payment methods,
  units, whether someone else's account is asked about, the resident's own plan terms, a claim to have
  paid, a refund request, account credit, the deposit, a confused "what?" and a request for a person —
  pure regular-expression parsers (`slot_parsers/`), relative dates resolved against an injected `today`.

Nothing here reaches the network, the database or the ledger: scoping and "no such charge" rules
belong to the tools. `python -m agents.offline.report` measures the classifier on the held-out set.
"""

from __future__ import annotations

from agents.offline.classifier import IntentClassifier, IntentPrediction
from agents.offline.language import Language, detect_language
from agents.offline.model import TrainingConfig
from agents.offline.safety_net import escalation_triggers
from agents.offline.slot_parsers.vocabulary import ChargeKind, PaymentMethod
from agents.offline.slots import Slots, extract_slots

__all__ = [
    "ChargeKind",
    "IntentClassifier",
    "IntentPrediction",
    "Language",
    "PaymentMethod",
    "Slots",
    "TrainingConfig",
    "detect_language",
    "escalation_triggers",
    "extract_slots",
]
