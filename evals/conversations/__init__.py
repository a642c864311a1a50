"""Conversation eval: scripted resident conversations against the assistant over the demo portfolio.

`evals/datasets/conversations.jsonl` holds the scenarios (see `dataset.py` for the schema). The runner
(`runner.py`) seeds the demo portfolio as of 2026-11-23 into a temporary data directory, ingests the
demo documents, plays every scenario in a fresh conversation on a fresh copy of the database, and
scores the outcomes with one small evaluator per metric (`evaluators.py`). `report.py` prints the table
and writes `evals/reports/conversations.json` and `evals/reports/conversations.html`.

Run it with `doorstep eval conversations` or `python -m evals.conversations`. Heavy imports (the
assistant, the ingest pipeline, the classifier) happen when a run starts, not when this package loads.
"""
