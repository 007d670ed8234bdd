"""Benchmarks for symdiff: `python benchmarks/run.py` (or `make bench`)."""
