"""Benchmarks of the QA Ledger: `python -m bench [--quick] [--scale N]` (see BENCHMARKS.md).

Every figure is a ratio against a baseline measured in the same run on the same machine, because
these machines are shared and noisy: absolute numbers drift, ratios much less.
"""
