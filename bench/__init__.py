"""Gatehouse's benchmark harness (`make bench`; see docs/performance.md).

Nothing here is imported by the production code. Gatehouse runs with its production
settings unchanged; `bench/floor/` is the bare Django server the floors are measured on.
"""
