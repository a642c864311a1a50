"""`python -m agents.offline.report`: how the offline intent classifier does on the held-out set.

Trains the classifier (or loads it from the cache) and prints per-intent precision and recall on
`training/intents_heldout.jsonl`, the most frequent confusions, overall and per-language accuracy,
escalation precision and recall, the language detector's accuracy, and `predict` latency (p50/p95,
one message at a time, embedding included; the load average is printed beside it because other work
on a small host slows it).

Options: `--cache-dir DIR` (default: `<data dir>/models`), `--fresh` (train into a temporary
directory, ignoring any cache), `--misses` (list every wrong prediction), `--latency-samples N`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agents.offline.classifier import IntentClassifier
from agents.offline.dataset import HELDOUT_FILE, load_examples, load_language_samples
from agents.offline.evaluation import (
    HeldoutReport,
    LatencyReport,
    evaluate_heldout,
    language_accuracy,
    measure_latency,
)
from app.config import get_settings


def main(argv: Sequence[str] | None = None) -> None:
    """Train or load, evaluate on the held-out set, print the figures."""
    args = _parser().parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(scratch) if args.fresh else (args.cache_dir or _default_cache_dir())
        start = time.perf_counter()
        classifier = IntentClassifier.load_or_train(cache_dir)
        loaded = time.perf_counter() - start
    how = "loaded from cache" if classifier.loaded_from_cache else "trained"
    console.print(f"classifier {how} in {loaded:.1f} s ({'fresh' if args.fresh else cache_dir})")
    console.print(
        f"tuned out of fold: escalation threshold {classifier.escalation_threshold:.2f}, "
        f"ambiguity margin {classifier.ambiguity_margin:.2f}, out-of-fold accuracy "
        f"{classifier.out_of_fold_accuracy:.3f}"
    )
    examples = load_examples(HELDOUT_FILE)
    report = evaluate_heldout(classifier, examples)
    latency = measure_latency(classifier, [example.text for example in examples][: args.latency_samples])
    console.print(_intent_table(report))
    console.print(_confusion_table(report))
    _print_summary(console, report, latency)
    if args.misses:
        for miss in report.misses:
            console.print(
                f"[yellow]miss[/yellow] {miss.expected} -> {miss.predicted} ({miss.confidence:.2f}): "
                f"{escape(miss.text)}",
                highlight=False,
            )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agents.offline.report", description="Measure the offline intent classifier."
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: <data dir>/models")
    parser.add_argument("--fresh", action="store_true", help="train from scratch, ignoring any cache")
    parser.add_argument("--misses", action="store_true", help="list every wrong held-out prediction")
    parser.add_argument(
        "--latency-samples", type=int, default=None, help="time this many messages (default: all held-out)"
    )
    return parser


def _default_cache_dir() -> Path:
    return get_settings().data_dir / "models"


def _intent_table(report: HeldoutReport) -> Table:
    table = Table(title=f"Held-out intents ({report.examples} messages)")
    table.add_column("intent")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    table.add_column("support", justify="right")
    for score in report.per_intent:
        table.add_row(score.intent, f"{score.precision:.2f}", f"{score.recall:.2f}", str(score.support))
    return table


def _confusion_table(report: HeldoutReport) -> Table:
    table = Table(title="Confusions (expected -> predicted)")
    table.add_column("expected")
    table.add_column("predicted")
    table.add_column("count", justify="right")
    for pair in report.confusions:
        table.add_row(pair.expected, pair.predicted, str(pair.count))
    return table


def _print_summary(console: Console, report: HeldoutReport, latency: LatencyReport) -> None:
    by_language = ", ".join(f"{lang} {share:.3f}" for lang, share in report.accuracy_by_language.items())
    samples = load_language_samples()
    console.print(f"accuracy {report.accuracy:.3f} ({by_language})")
    console.print(
        f"escalation precision {report.escalation_precision:.3f}, recall {report.escalation_recall:.3f}; "
        f"out-of-scope recall {report.out_of_scope_recall:.3f}"
    )
    console.print(
        f"ambiguous: {report.ambiguous_share:.1%} of predictions flagged, "
        f"{report.wrong_flagged_ambiguous:.1%} of wrong ones"
    )
    console.print(f"language detection accuracy {language_accuracy(samples):.3f} on {len(samples)} samples")
    console.print(
        f"predict latency p50 {latency.p50_ms:.1f} ms, p95 {latency.p95_ms:.1f} ms over "
        f"{latency.samples} messages (load average {latency.load_average:.1f})"
    )


if __name__ == "__main__":
    main()
