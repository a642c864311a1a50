"""Answers on real documents: the development set (`sources.toml`, `qa.jsonl`, fetched by `fetch.py`)
and `doorstep eval documents` (`dataset`, `runner`, `scoring`, `report`).

`python -m evals.documents` runs the set and prints the figures by landlord.
"""
