"""Pieces of `python -m evals.bench`: fresh databases to measure on, and the measurements themselves."""
