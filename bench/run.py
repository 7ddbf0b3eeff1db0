"""Benchmark Gatehouse under gunicorn with production settings, and print a table.

    .venv/bin/python -m bench.run                # PostgreSQL, 1,000 filler tokens (make bench)
    .venv/bin/python -m bench.run --sqlite       # the same on SQLite
    .venv/bin/python -m bench.run --scale        # 1,000 then 1,000,000 filler tokens
    .venv/bin/python -m bench.run --rounds 3     # three rounds, medians
    .venv/bin/python -m bench.run --profile client_credentials,whoami   # + py-spy

Each run (bench/one_run.py) seeds a dedicated database, probes every operation in-process,
starts Gatehouse's and the floors' gunicorn, then, from this second process, measures
each Gatehouse operation right after a fresh run of its floor, each a warm-up and a
measured wrk run (`wrk -t2 -c16 -dNs --latency -s bench/wrk.lua`, the request described
in bench/ops.py). While wrk runs, the CPU time of the workers, of their PostgreSQL
backends, of wrk and of every other process on the machine is read from /proc. Then the
table, and bench/results/<timestamp>.json (with the git commit and dirty count).

The process exits non-zero when any operation had a non-2xx answer, a 2xx answer without
the expected body, a socket error or timeout, or ran out of pool values; when the probe
fails; when the database did not record the work the answers claim; or when the server
logged an error. Targets (ratios to the floors, p99/p50, RSS, the --scale change) are
reported, not enforced (bench/report.py).

Where the rest lives: constants.py (paths, targets), common.py (log, files, child
commands), procfs.py (/proc), machine.py, sampling.py (CPU and memory), servers.py
(gunicorn), load.py (pools, wrk), rounds.py, profiling.py (py-spy), report.py.

Only stdlib and subprocess here; everything that imports Django runs in a child process.
Everything talks to 127.0.0.1 and is bounded: (warm-up + duration) per measurement.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime

from bench.constants import POOL_RATE, SCALE_TOKENS
from bench.machine import wait_quiet
from bench.one_run import run_once
from bench.ops import BY_KEY
from bench.report import footer, new_report, scale_summary, table, write_report


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite database")
    parser.add_argument("--tokens", type=int, default=1000, help="filler access tokens (1000)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per operation (5)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds per operation")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="run with 1,000 then 1,000,000 filler tokens and compare",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the operations; report each one's median"
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="S",
        help="before each run and each floor/operation pair, wait up to S seconds for a "
        "second in which the machine is < 15%% busy (other people's work)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help=f"values per consumable pool (default {POOL_RATE}/s of load)",
    )
    parser.add_argument(
        "--profile", default="", help="comma-separated operations to profile with py-spy afterwards"
    )
    _add_diagnostic_options(parser)


def _add_diagnostic_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed-method",
        choices=["auto", "copy", "bulk"],
        default="auto",
        help="filler tokens: COPY (PostgreSQL default) or bulk_create",
    )
    parser.add_argument("--db-name", default="gatehouse_bench", help="PostgreSQL database")
    parser.add_argument(
        "--sqlite-transaction-mode",
        choices=["DEFERRED", "IMMEDIATE", "EXCLUSIVE"],
        help="diagnostic, with --sqlite: Django's SQLite OPTIONS['transaction_mode'] "
        "(production leaves it unset, i.e. DEFERRED)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the database and the work directory (plain pool values)",
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_options(parser)
    args = parser.parse_args(argv)
    args.profile = [k for k in args.profile.split(",") if k]
    unknown = [k for k in args.profile if k not in BY_KEY]
    if unknown:
        parser.error(f"unknown operation(s) {unknown}; choose from {', '.join(BY_KEY)}")
    if args.duration < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--duration and --rounds must be at least 1, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (Debian: apt-get install -y wrk)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    command = " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])])
    report = new_report(stamp, command)
    for tokens in SCALE_TOKENS if args.scale else (args.tokens,):
        if args.wait_quiet:
            wait_quiet(args.wait_quiet)
        result = run_once(args, tokens, stamp)
        report["runs"].append(result)
        print("\n" + table(result) + "\n", flush=True)
    if args.scale:
        text, report["scale"] = scale_summary(report["runs"])
        print(text + "\n")
    path = write_report(report, args, stamp)
    print(footer(report, path))
    failed = [r for r in report["runs"] if r["checks"]["errors"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
