"""Where the bench lives and writes, and the targets it reports (never enforces)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
RSS_TARGET_MB = 150
P99_OVER_P50_TARGET = 2.0
SCALE_TOKENS = (1_000, 1_000_000)
SCALE_TOLERANCE = 0.10
# Pool values seeded per consumable operation, per second of load it may see.
POOL_RATE = 1_500
