"""One run (one database, one count of filler tokens), step by step.

Create a dedicated database (PostgreSQL `gatehouse_bench`, dropped afterwards; or a
temporary SQLite file), seed it (bench/seed.py), send each operation twice through
Django's test client to check it works and count its queries (bench/probe.py), start
gunicorn (bench/servers.py, bench/gunicorn.py: production's config/gunicorn.py with 2
sync workers on 127.0.0.1 and no access log) and the floors' gunicorn (bench/floor/),
measure (bench/rounds.py), profile if asked (bench/profiling.py), then read the workers'
resident size and the database's own count of what the load did, and check the result.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import log, python
from bench.constants import PG_URL, POOL_RATE
from bench.load import split_pools
from bench.machine import machine_busy_pct
from bench.ops import BY_KEY
from bench.procfs import children, memory
from bench.profiling import profile
from bench.report import checks
from bench.rounds import Rounds
from bench.servers import Gunicorn, floor_env, server_env


def run_once(args, tokens: int, stamp: str) -> dict:
    return OneRun(args, tokens, stamp).run()


class OneRun:
    def __init__(self, args, tokens: int, stamp: str) -> None:
        self.args, self.tokens, self.stamp = args, tokens, stamp
        self.workdir = Path(tempfile.mkdtemp(prefix="gatehouse-bench-"))
        if args.sqlite:
            self.database_url = f"sqlite:///{self.workdir / 'bench.sqlite3'}"
        else:
            self.database_url = PG_URL.format(name=args.db_name)
        self.database = None if args.sqlite else args.db_name
        self.env = server_env(self.database_url, self.workdir)
        (self.workdir / "staticfiles").mkdir()
        if args.sqlite_transaction_mode:
            self.env["BENCH_SQLITE_TRANSACTION_MODE"] = args.sqlite_transaction_mode
        self.profiled = [BY_KEY[k] for k in args.profile]
        self.phases = {"warmup": args.warmup}
        self.phases.update({f"measure{n}": args.duration for n in range(1, args.rounds + 1)})
        if self.profiled:
            self.phases["profile"] = args.duration
        self.pool = args.pool or max(2_000, math.ceil(POOL_RATE * sum(self.phases.values())))
        self.running: list[Gunicorn] = []  # stopped in any case
        self.result: dict = {}

    def run(self) -> dict:
        self.describe()
        try:
            self.seed()
            self.probe()
            server, floor_server = self.start_servers()
            self.measure(server, floor_server)
            self.profile(server)
            self.collect(server, floor_server)
        finally:
            self.clean_up()
        self.result["checks"] = checks(self.result)
        return self.result

    def describe(self) -> None:
        args = self.args
        self.result = {
            "database": "sqlite" if args.sqlite else "postgresql",
            "sqlite_transaction_mode": args.sqlite_transaction_mode,
            "filler_tokens": self.tokens,
            "pool": self.pool,
            "workers": args.workers,
            "wrk": {"threads": args.threads, "connections": args.connections},
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "machine_busy_before_pct": machine_busy_pct(2.0),
        }
        busy = self.result["machine_busy_before_pct"]
        if busy > 15:
            log(
                f"warning: the machine was {busy}% busy before the run (other processes): "
                "figures will be lower and noisier than on a quiet machine"
            )

    def seed(self) -> None:
        """The ID token key, the database, its rows and the pool files of every phase."""
        env, workdir = self.env, self.workdir
        python(["-m", "bench.seed", "oidc-key", str(workdir / "oidc.pem")], env)
        if not self.args.sqlite:
            python(["-m", "bench.seed", "create-db"], env)
        log(
            f"seeding {self.tokens:,} filler tokens and pools of {self.pool:,} "
            f"({self.result['database']})"
        )
        start = time.perf_counter()
        command = ["-m", "bench.seed", "seed", "--tokens", str(self.tokens)]
        command += ["--pool", str(self.pool), "--out", str(workdir)]
        command += ["--method", self.args.seed_method]
        seeded = json.loads(python(command, env).strip().splitlines()[-1])
        seeded["wall_s"] = round(time.perf_counter() - start, 2)
        self.meta = json.loads((workdir / "seed.json").read_text())
        self.creds = {
            "client_id": self.meta["client_id"],
            "client_secret": self.meta["client_secret"],
        }
        self.result["seed"] = seeded
        self.result["pool_split"] = split_pools(workdir, self.phases)

    def probe(self) -> None:
        command = ["-m", "bench.probe", "queries", "--dir", str(self.workdir)]
        probe = json.loads(python(command, self.env))
        self.result["queries"] = {k: v["queries"] for k, v in probe["probe"].items()}
        self.result["probe"] = probe["probe"]

    def start_servers(self) -> tuple[Gunicorn, Gunicorn]:
        """Gatehouse's gunicorn, then the floors', each ready with all its workers."""
        workers = self.args.workers
        server = Gunicorn(self.env, self.workdir, workers, self.database)
        self.running.append(server)
        server.wait_ready(workers)
        floor = floor_env(self.database_url, self.meta["application_id"])
        floor_server = Gunicorn(floor, self.workdir, workers, self.database, name="floor")
        self.running.append(floor_server)
        floor_server.wait_ready(workers)
        self.result["gunicorn"] = {"command": "gunicorn -c bench/gunicorn.py", **server.settings()}
        log(f"gunicorn on {server.url}, workers {server.workers}")
        return server, floor_server

    def measure(self, server: Gunicorn, floor_server: Gunicorn) -> None:
        rounds = Rounds(
            self.args,
            server=server,
            floor_server=floor_server,
            workdir=self.workdir,
            creds=self.creds,
        )
        rounds.run()
        self.result["ops"] = rounds.summary()

    def profile(self, server: Gunicorn) -> None:
        self.result["profiles"] = {}
        for op in self.profiled:
            log(f"profiling {op.label} with py-spy ({self.args.duration} s)")
            self.result["profiles"][op.key] = profile(
                op,
                server=server,
                workdir=self.workdir,
                seconds=self.args.duration,
                args=self.args,
                creds=self.creds,
                stamp=self.stamp,
            )

    def collect(self, server: Gunicorn, floor_server: Gunicorn) -> None:
        """Memory, then (servers stopped) their logs' problems and the database's counts."""
        server.sampler.sample()
        self.result["memory"] = {
            "master": memory(server.proc.pid),
            "workers": [memory(pid) for pid in children(server.proc.pid)],
            "max_worker_rss_mb": round(max(server.sampler.max_rss.values(), default=0), 1),
            "worker_processes_seen": server.sampler.worker_pids_seen(),
        }
        server.stop()
        floor_server.stop()
        self.result["server_log"] = server.problems()
        self.running.clear()
        command = ["-m", "bench.probe", "verify", "--dir", str(self.workdir)]
        self.result["verify"] = json.loads(python(command, self.env))

    def clean_up(self) -> None:
        """Stop what still runs; drop the database and the work directory (unless --keep)."""
        for running in self.running:
            running.stop()
        if not self.args.keep:
            if not self.args.sqlite:
                python(["-m", "bench.seed", "drop-db"], self.env)
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log(f"kept {self.workdir} and the database")
