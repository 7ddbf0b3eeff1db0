"""Gatehouse's benchmark harness (`make bench`; see docs/performance.md).

Nothing here is imported by the production code: `bench.settings` and `bench.urls` exist
only for the gunicorn that `bench/run.py` starts.
"""
