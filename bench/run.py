"""Benchmark Gatehouse under gunicorn with production settings, and print a table.

    .venv/bin/python -m bench.run                # PostgreSQL, 1,000 filler tokens (make bench)
    .venv/bin/python -m bench.run --sqlite       # the same on SQLite
    .venv/bin/python -m bench.run --scale        # 1,000 then 1,000,000 filler tokens
    .venv/bin/python -m bench.run --rounds 3     # three rounds, medians
    .venv/bin/python -m bench.run --profile client_credentials,whoami   # + py-spy

One run: create a dedicated database (PostgreSQL `gatehouse_bench`, dropped afterwards;
or a temporary SQLite file), seed it (bench/seed.py), send each operation twice through
Django's test client to check it works and count its queries (bench/probe.py), start
gunicorn (bench/gunicorn.py: production's config/gunicorn.py with 2 sync workers on
127.0.0.1 and no access log; bench.settings: production settings plus the floors, rate
limits off, plain HTTP), then, from this second process, each Gatehouse operation right
after a fresh run of its floor, each a warm-up and a measured wrk run
(`wrk -t2 -c16 -dNs --latency -s bench/wrk.lua`, the request described in bench/ops.py).
While wrk runs, the CPU time of the workers, of their PostgreSQL backends, of wrk and of
every other process on the machine is read from /proc. Afterwards: the workers'
resident size, the database's own count of what the load did, the table, and
bench/results/<timestamp>.json (with the git commit and dirty count).

The process exits non-zero when any operation had a non-2xx answer, a 2xx answer without
the expected body, a socket error or timeout, or ran out of pool values; when the probe
fails; when the database did not record the work the answers claim; or when the server
logged an error. Targets (ratios to the floors, p99/p50, RSS, the --scale change) are
reported, not enforced.

Only stdlib and subprocess here; everything that imports Django runs in a child process.
Everything talks to 127.0.0.1 and is bounded: (warm-up + duration) per measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.ops import BY_KEY, OPS

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


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---- the machine and the checkout ---------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _output(cmd: list[str], **kwargs) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kwargs)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


def machine() -> dict:
    cpu = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.M)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "memory_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gunicorn": _output([sys.executable, "-m", "gunicorn", "--version"]),
        "wrk": _output(["wrk", "-v"]).splitlines()[0] if shutil.which("wrk") else None,
    }


def checkout() -> dict:
    status = _output(["git", "status", "--short"], cwd=ROOT)
    return {
        "commit": _output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT),
        "dirty_files": len([line for line in status.splitlines() if line.strip()]),
    }


# ---- processes -------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    """This environment without anything that would change Gatehouse's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OAUTH_", "BENCH_"))
        and k
        not in (
            "DATABASE_URL",
            "DATABASE_CONN_MAX_AGE",
            "REDIS_URL",
            "LOG_LEVEL",
            "ACCESS_TOKEN_EXPIRE_SECONDS",
            "REFRESH_TOKEN_EXPIRE_SECONDS",
            "REFRESH_TOKEN_GRACE_PERIOD_SECONDS",
        )
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """Gatehouse's production environment, as the README's Deploy section lists it.

    Nothing is switched off for the bench: rate limits count in Redis, HSTS is sent, and
    plain http would be refused; like production behind a TLS-terminating proxy, every
    request says `X-Forwarded-Proto: https` (DJANGO_SECURE_PROXY_SSL_HEADER=1).
    """
    env = base_env()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": os.urandom(32).hex(),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
            "DATABASE_URL": database_url,
            # Production serves collected static files from here; empty for the bench (no
            # endpoint measured is a static file), but present, so WhiteNoise has no warning.
            "DJANGO_STATIC_ROOT": str(workdir / "staticfiles"),
            # ID token signing key (bench/seed.py oidc-key writes it before anything runs).
            "OIDC_RSA_PRIVATE_KEY_FILE": str(workdir / "oidc.pem"),
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    return env


def floor_env(database_url: str, application_id: int) -> dict[str, str]:
    """The bare floor server (bench/floor/): the same database, nothing else."""
    env = base_env()
    env.update(
        {
            "DJANGO_SECRET_KEY": os.urandom(32).hex(),
            "DATABASE_URL": database_url,
            "BENCH_APPLICATION_ID": str(application_id),
            "BENCH_GUNICORN_APP": "bench.floor.wsgi:application",
        }
    )
    return env


def python(args: list[str], env: dict[str, str], *, capture: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE if capture else None,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        if capture and done.stdout:
            print(done.stdout, file=sys.stderr)
        raise SystemExit(f"bench: `python {' '.join(args)}` failed ({done.returncode})")
    return done.stdout or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = _read(f"/proc/{pid}/task/{pid}/children").split()
    if found:
        return sorted(int(p) for p in found)
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _read(f"/proc/{entry.name}/stat")
            if stat and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                result.append(int(entry.name))
    return sorted(result)


def memory(pid: int) -> dict:
    status = _read(f"/proc/{pid}/status")
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s*(\d+) kB", status, re.M))
    return {
        "pid": pid,
        "rss_mb": round(int(fields.get("VmRSS", 0)) / 1024, 1),
        "peak_rss_mb": round(int(fields.get("VmHWM", 0)) / 1024, 1),
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy / CLOCK_TICKS, (busy + idle + iowait) / CLOCK_TICKS


def machine_busy_pct(seconds: float) -> float:
    busy0, total0 = machine_cpu()
    time.sleep(seconds)
    busy1, total1 = machine_cpu()
    return round(100 * (busy1 - busy0) / ((total1 - total0) or 1), 1)


def wait_quiet(limit: float) -> None:
    """Wait (at most `limit` seconds) for a 1-second window with the machine < 15% busy."""
    deadline = time.monotonic() + limit
    busy = 100.0
    while time.monotonic() < deadline:
        busy = machine_busy_pct(1.0)
        if busy < 15:
            return
    log(f"the machine did not become quiet in {limit:.0f} s ({busy}% busy); measuring anyway")


class Sampler(threading.Thread):
    """Every 0.2 s (and on demand): CPU time and resident size of the gunicorn workers
    (the master's children, recycled ones included) and of the PostgreSQL backends
    connected to the bench database (found by their process title).

    CPU is kept as monotone totals per kind: a process that exits keeps the last value
    seen, a new one adds all of its own, so the difference between two samples is the
    CPU that kind used in between (up to 0.2 s of a process that exited in between).
    """

    def __init__(self, master: int, database: str | None) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.backend = (
            re.compile(rf"^postgres: (?:\S+: )?\S+ {re.escape(database)} ") if database else None
        )
        self.lock = threading.Lock()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.max_rss: dict[int, float] = {}
        self.stopped = threading.Event()

    def sample(self) -> None:
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _read(f"/proc/{entry}/stat")
            if not stat:
                continue
            comm, rest = stat.split(" ", 1)[1].rsplit(")", 1)
            fields = rest.split()
            if int(fields[1]) == self.master:
                kind = "workers"
            elif self.backend is not None and comm == "(postgres":
                cmdline = _read(f"/proc/{entry}/cmdline").replace("\0", " ")
                if not self.backend.match(cmdline):
                    continue
                kind = "postgres"
            else:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            found[int(entry)] = (kind, cpu, int(fields[21]) * PAGE_SIZE / 2**20)
        with self.lock:
            for pid, (kind, cpu, rss) in found.items():
                self.cpu[pid] = (kind, cpu)
                if kind == "workers":
                    self.max_rss[pid] = max(self.max_rss.get(pid, 0.0), rss)

    def totals(self) -> dict[str, float]:
        self.sample()
        with self.lock:
            out = {"workers": 0.0, "postgres": 0.0}
            for kind, cpu in self.cpu.values():
                out[kind] += cpu
            return out

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    def worker_pids_seen(self) -> int:
        with self.lock:
            return sum(1 for kind, _ in self.cpu.values() if kind == "workers")


class CpuMeter:
    """CPU used during a measurement by the workers, their PostgreSQL backends, wrk,
    and everything else on the machine (other people's work: a noise indicator)."""

    def __init__(self, sampler: Sampler, has_postgres: bool) -> None:
        self.sampler, self.has_postgres = sampler, has_postgres
        self.start_totals = sampler.totals()
        self.start_children = _children_cpu()
        self.start_machine = machine_cpu()

    def stop(self, requests: int) -> dict:
        totals = self.sampler.totals()
        busy1, total1 = machine_cpu()
        busy0, total0 = self.start_machine
        workers = totals["workers"] - self.start_totals["workers"]
        pg = totals["postgres"] - self.start_totals["postgres"]
        wrk_cpu = _children_cpu() - self.start_children
        busy = busy1 - busy0
        capacity = (total1 - total0) or 1
        others = max(0.0, busy - workers - pg - wrk_cpu)
        per = 1000 / requests if requests else 0.0
        return {
            "workers_cpu_ms_per_request": round(workers * per, 3),
            "postgres_cpu_ms_per_request": round(pg * per, 3) if self.has_postgres else None,
            "wrk_cpu_ms_per_request": round(wrk_cpu * per, 3),
            "machine_busy_pct": round(100 * busy / capacity, 1),
            "other_processes_pct": round(100 * others / capacity, 1),
        }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Gunicorn:
    """gunicorn with bench/gunicorn.py (production's settings, no access log)."""

    def __init__(
        self, env: dict[str, str], workdir: Path, workers: int, database, name: str = "gatehouse"
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.gunicorn.log"
        self.out_path = workdir / f"{name}.server.out"
        metadata = "/.well-known/oauth-authorization-server"
        self.ready_path = "/bench/read" if "BENCH_GUNICORN_APP" in env else metadata
        self.database = database
        self.cmd = [sys.executable, "-m", "gunicorn", "-c", str(BENCH / "gunicorn.py")]
        env = {
            **env,
            "BENCH_GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "BENCH_GUNICORN_WORKERS": str(workers),
            "BENCH_GUNICORN_ERRORLOG": str(self.log_path),
        }
        self.out = self.out_path.open("w")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=env, stdout=self.out, stderr=subprocess.STDOUT
        )
        self.workers: list[int] = []
        self.sampler = Sampler(self.proc.pid, database)

    def settings(self) -> dict:
        """The effective settings, as gunicorn reads bench/gunicorn.py."""
        code = (
            "import json, os, runpy; c = runpy.run_path('bench/gunicorn.py'); "
            "print(json.dumps({k: c.get(k) for k in ('workers', 'worker_class', "
            "'preload_app', 'timeout', 'max_requests', 'max_requests_jitter', 'accesslog', "
            "'wsgi_app')}))"
        )
        env = {
            **base_env(),
            "BENCH_GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "BENCH_GUNICORN_WORKERS": str(len(self.workers)),
            "BENCH_GUNICORN_ERRORLOG": str(self.log_path),
        }
        try:
            return json.loads(_output([sys.executable, "-c", code], cwd=ROOT, env=env))
        except ValueError:
            return {}

    def wait_ready(self, workers: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(
            self.url + self.ready_path, headers={"X-Forwarded-Proto": "https"}
        )
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            self.workers = children(self.proc.pid)
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as error:  # the floor's read answers 404 here
                status = error.code
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = None
            if status in (200, 404) and len(self.workers) == workers:
                self.sampler.start()
                return
            time.sleep(0.2)
        raise SystemExit(f"bench: gunicorn not ready after {timeout:.0f} s:\n{self.tail()}")

    def settle(self, limit: float = 5.0) -> None:
        """Wait until the workers are idle: when wrk stops, requests still queued in the
        listen backlog are served, and must not count towards the next measurement."""
        deadline = time.monotonic() + limit
        last = self.sampler.totals()["workers"]
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.sampler.totals()["workers"]
            if now - last < 0.005:
                return
            last = now

    def tail(self, lines: int = 40) -> str:
        text = _read(str(self.log_path)) + _read(str(self.out_path))
        return "\n".join(text.splitlines()[-lines:])

    def problems(self) -> dict:
        """Lines in the server's logs that say something went wrong."""
        text = _read(str(self.log_path)) + "\n" + _read(str(self.out_path))
        bad = [
            line
            for line in text.splitlines()
            if re.search(r"Traceback|\bERROR\b|\bWARNING\b|CRITICAL|Worker timeout", line)
        ]
        return {"count": len(bad), "first": bad[:10]}

    def stop(self) -> None:
        if self.sampler.is_alive():
            self.sampler.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


# ---- pools -------------------------------------------------------------------------------


def split_pools(workdir: Path, phases: dict[str, int]) -> dict[str, dict]:
    """Write <op>.<phase>.txt for every operation with a pool; return the sizes.

    Cycled pools (tokens) are the same file for every phase. A consumable pool gives two
    values to the probe and splits the rest between phases in proportion to their seconds.
    """
    sizes = {}
    total_seconds = sum(phases.values())
    for op in OPS:
        if not op.pool:
            continue
        values = (workdir / f"{op.pool}.txt").read_text().split()
        (workdir / f"{op.key}.probe.txt").write_text("\n".join(values[:2]) + "\n")
        if not op.consume:
            for phase in phases:
                (workdir / f"{op.key}.{phase}.txt").write_text("\n".join(values) + "\n")
            sizes[op.key] = {phase: len(values) for phase in phases}
            continue
        rest, start, sizes[op.key] = values[2:], 0, {}
        for phase, seconds in phases.items():
            count = len(rest) * seconds // total_seconds
            (workdir / f"{op.key}.{phase}.txt").write_text(
                "\n".join(rest[start : start + count]) + "\n"
            )
            sizes[op.key][phase] = count
            start += count
    return sizes


# ---- wrk -----------------------------------------------------------------------------------


def wrk(op, *, server: Gunicorn, workdir: Path, phase: str, seconds: int, args, creds) -> dict:
    server.settle()
    meter = CpuMeter(server.sampler, has_postgres=not args.sqlite)
    env = base_env()
    env.update(
        {
            "BENCH_METHOD": op.method,
            "BENCH_PATH": op.path,
            "BENCH_BODY": op.fill(op.body, **creds),
            "BENCH_AUTH": op.auth,
            "BENCH_VALUES": str(workdir / f"{op.key}.{phase}.txt") if op.pool else "",
            "BENCH_CONSUME": "1" if op.consume else "0",
            "BENCH_EXPECT": op.expect,
            "BENCH_THREADS": str(args.threads),
        }
    )
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BENCH / "wrk.lua"),
        server.url,
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"bench: wrk failed for {op.label}:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("BENCH_JSON ") :])
    result["cpu"] = meter.stop(result["requests"])
    result["command"] = " ".join(cmd[:-3] + ["bench/wrk.lua", server.url])
    seconds_run = result["duration_us"] / 1e6
    errors = result["errors"]
    result.update(
        {
            "rps": round(result["requests"] / seconds_run, 1) if seconds_run else 0.0,
            "p50_ms": round(result["latency_us"]["p50"] / 1000, 2),
            "p99_ms": round(result["latency_us"]["p99"] / 1000, 2),
            "socket_errors": errors["connect"] + errors["read"] + errors["write"],
            "timeouts": errors["timeout"],
        }
    )
    result["failed"] = bool(
        result["non2xx"]
        or result["unexpected_body"]
        or result["socket_errors"]
        or result["timeouts"]
        or result["pool_exhausted"]
    )
    return result


# ---- profiling (py-spy) ----------------------------------------------------------------------


def _short(frame: str) -> str:
    frame = frame.replace(str(ROOT) + "/", "")
    return re.sub(r"\(/\S*?/site-packages/", "(", frame)


# A sample taken while a sync worker handles a connection (parse, Django, write, close);
# the others are the worker waiting for the next connection.
REQUEST_FRAME = "SyncWorker.handle (gunicorn/workers/sync.py)"


# Frames that only pass a request along (gunicorn's loop, Django's handler, the middleware
# chain's wrappers): every sample has them, so the "framework-free" list leaves them out.
PASS_THROUGH = re.compile(
    r"\((gunicorn/|django/core/handlers/|django/utils/deprecation\.py|"
    r"django/views/generic/base\.py|django/views/decorators/|django/utils/decorators\.py|"
    r"plumbing/charset\.py)|Middleware\.__call__ "
)


def summarize_profile(raw_files: list[Path], top: int = 40) -> dict:
    """Inclusive ("cumulative") and self samples per frame, over the samples taken while
    a worker was handling a request (REQUEST_FRAME and below; percentages are of those).
    The JSON keeps the top 40 of each list; the printed table shows 10."""
    inclusive: Counter = Counter()
    leaf: Counter = Counter()
    total = in_request = 0
    for path in raw_files:
        for line in _read(str(path)).splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = [_short(f) for f in stack.split(";")]
            starts = [i for i, f in enumerate(frames) if f.startswith(REQUEST_FRAME)]
            if not starts:
                continue
            frames = frames[starts[0] + 1 :]
            in_request += n
            for frame in set(frames):
                inclusive[frame] += n
            leaf[frames[-1] if frames else REQUEST_FRAME] += n

    def rows(counter: Counter, keep=lambda frame: True) -> list[dict]:
        chosen = [(frame, n) for frame, n in counter.most_common() if keep(frame)][:top]
        return [
            {"frame": frame, "samples": n, "pct": round(100 * n / in_request, 1)}
            for frame, n in chosen
        ]

    return {
        "samples": total,
        "samples_in_request": in_request,
        "cumulative": rows(inclusive),
        "cumulative_framework_free": rows(inclusive, lambda f: not PASS_THROUGH.search(f)),
        "self": rows(leaf),
    }


def profile(op, *, server, workdir, seconds, args, creds, stamp) -> dict:
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(pyspy).exists():
        raise SystemExit("bench: --profile needs py-spy: .venv/bin/pip install py-spy")
    RESULTS.mkdir(exist_ok=True)
    # The master with --subprocesses: workers recycled by max_requests are followed too.
    # Two raw recordings: on-CPU samples (py-spy's default, as the SVG) and wall-clock
    # samples (--idle: also while waiting for PostgreSQL or the client).
    raw_cpu, raw_wall = workdir / f"{op.key}.cpu.raw", workdir / f"{op.key}.wall.raw"
    svg = RESULTS / f"{stamp}-{op.key}.svg"
    common = ["--duration", str(seconds + 1), "--rate", "100", "--nolineno"]
    common += ["--subprocesses", "--pid", str(server.proc.pid)]
    procs = [
        [pyspy, "record", "--format", "raw", "-o", str(raw_cpu)],
        [pyspy, "record", "--format", "raw", "--idle", "-o", str(raw_wall)],
        [pyspy, "record", "-o", str(svg)],
    ]
    running = [
        subprocess.Popen(cmd + common, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for cmd in procs
    ]
    time.sleep(0.5)
    load = wrk(
        op,
        server=server,
        workdir=workdir,
        phase="profile",
        seconds=seconds,
        args=args,
        creds=creds,
    )
    for proc in running:
        _, err = proc.communicate(timeout=seconds + 60)
        if proc.returncode != 0:
            raise SystemExit(f"bench: py-spy failed: {err.strip()}")
    return {
        "cpu": summarize_profile([raw_cpu]),
        "wall": summarize_profile([raw_wall]),
        "svg": str(svg.relative_to(ROOT)),
        "rps_while_profiled": load["rps"],
        "other_processes_pct": load["cpu"]["other_processes_pct"],
    }


# ---- one run ----------------------------------------------------------------------------------


def run_once(args, tokens: int, stamp: str) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="gatehouse-bench-"))
    if args.sqlite:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        database_url = PG_URL.format(name=args.db_name)
    env = server_env(database_url, workdir)
    (workdir / "staticfiles").mkdir()
    if args.sqlite_transaction_mode:
        env["BENCH_SQLITE_TRANSACTION_MODE"] = args.sqlite_transaction_mode
    profiled = [BY_KEY[k] for k in args.profile]
    phases = {"warmup": args.warmup}
    phases.update({f"measure{n}": args.duration for n in range(1, args.rounds + 1)})
    if profiled:
        phases["profile"] = args.duration
    pool = args.pool or max(2_000, math.ceil(POOL_RATE * sum(phases.values())))
    result: dict = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "sqlite_transaction_mode": args.sqlite_transaction_mode,
        "filler_tokens": tokens,
        "pool": pool,
        "workers": args.workers,
        "wrk": {"threads": args.threads, "connections": args.connections},
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "machine_busy_before_pct": machine_busy_pct(2.0),
    }
    if result["machine_busy_before_pct"] > 15:
        log(
            f"warning: the machine was {result['machine_busy_before_pct']}% busy before the "
            "run (other processes): figures will be lower and noisier than on a quiet machine"
        )
    server = floor_server = None
    try:
        python(["-m", "bench.seed", "oidc-key", str(workdir / "oidc.pem")], env)
        if not args.sqlite:
            python(["-m", "bench.seed", "create-db"], env)
        log(f"seeding {tokens:,} filler tokens and pools of {pool:,} ({result['database']})")
        start = time.perf_counter()
        seeded = json.loads(
            python(
                [
                    "-m",
                    "bench.seed",
                    "seed",
                    "--tokens",
                    str(tokens),
                    "--pool",
                    str(pool),
                    "--out",
                    str(workdir),
                    "--method",
                    args.seed_method,
                ],
                env,
            )
            .strip()
            .splitlines()[-1]
        )
        seeded["wall_s"] = round(time.perf_counter() - start, 2)
        meta = json.loads((workdir / "seed.json").read_text())
        creds = {"client_id": meta["client_id"], "client_secret": meta["client_secret"]}
        result["seed"] = seeded
        result["pool_split"] = split_pools(workdir, phases)

        probe = json.loads(python(["-m", "bench.probe", "queries", "--dir", str(workdir)], env))
        result["queries"] = {k: v["queries"] for k, v in probe["probe"].items()}
        result["probe"] = probe["probe"]

        database = None if args.sqlite else args.db_name
        server = Gunicorn(env, workdir, args.workers, database)
        server.wait_ready(args.workers)
        floor_server = Gunicorn(
            floor_env(database_url, meta["application_id"]),
            workdir,
            args.workers,
            database,
            name="floor",
        )
        floor_server.wait_ready(args.workers)
        result["gunicorn"] = {"command": "gunicorn -c bench/gunicorn.py", **server.settings()}
        log(f"gunicorn on {server.url}, workers {server.workers}")

        # Each Gatehouse operation is measured right after a fresh run of its floor, so
        # the ratio compares two runs seconds apart (a shared machine's load drifts).
        runs: dict[str, list[dict]] = {op.key: [] for op in OPS}
        pairs: dict[str, list[tuple[dict, dict]]] = {op.key: [] for op in OPS if op.floor}
        extra: dict[str, dict] = {}
        warmed: set[str] = set()

        def measure(op, n: int) -> dict:
            if args.warmup and op.key not in warmed:
                warmed.add(op.key)
                warm = wrk(
                    op,
                    server=floor_server if op.bare else server,
                    workdir=workdir,
                    phase="warmup",
                    seconds=args.warmup,
                    args=args,
                    creds=creds,
                )
                if warm["failed"]:
                    extra[op.key + "_warmup"] = warm
            r = wrk(
                op,
                server=floor_server if op.bare else server,
                workdir=workdir,
                phase=f"measure{n}",
                seconds=args.duration,
                args=args,
                creds=creds,
            )
            runs[op.key].append(r)
            log(
                f"round {n} {op.label}: {r['rps']} req/s, p50 {r['p50_ms']} ms, "
                f"p99 {r['p99_ms']} ms, non-2xx {r['non2xx']}, "
                f"other processes {r['cpu']['other_processes_pct']}% CPU"
            )
            return r

        for n in range(1, args.rounds + 1):
            for op in OPS:
                if op.floor:
                    if args.wait_quiet:
                        server.settle()
                        wait_quiet(args.wait_quiet)
                    floor = measure(BY_KEY[op.floor], n)
                    pairs[op.key].append((floor, measure(op, n)))
        # Each figure is the median run (by requests/s); each ratio the median of the
        # ratios of the pairs. Every run is kept in the JSON.
        ops = {}
        for key, rs in runs.items():
            chosen = sorted(rs, key=lambda r: r["rps"])[(len(rs) - 1) // 2]
            ops[key] = {
                **chosen,
                "runs_rps": [r["rps"] for r in rs],
                "answered_2xx": sum(r["requests"] - r["non2xx"] for r in rs),
            }
            for n, r in enumerate(rs, 1):
                if r["failed"] and r is not chosen:
                    extra[f"{key}_run{n}"] = r
        for key, ps in pairs.items():
            ops[key]["vs_floor"] = {
                "rps": median([r["rps"] / f["rps"] for f, r in ps]),
                "p50": median([r["p50_ms"] / f["p50_ms"] for f, r in ps]),
                "p99": median([r["p99_ms"] / f["p99_ms"] for f, r in ps]),
                "cpu_predicted": median([cpu_per_request(f) / cpu_per_request(r) for f, r in ps]),
                "pairs": [
                    {"floor_rps": f["rps"], "rps": r["rps"], "floor_p50_ms": f["p50_ms"]}
                    for f, r in ps
                ],
            }
        ops.update(extra)
        result["ops"] = ops

        result["profiles"] = {}
        for op in profiled:
            log(f"profiling {op.label} with py-spy ({args.duration} s)")
            result["profiles"][op.key] = profile(
                op,
                server=server,
                workdir=workdir,
                seconds=args.duration,
                args=args,
                creds=creds,
                stamp=stamp,
            )

        server.sampler.sample()
        result["memory"] = {
            "master": memory(server.proc.pid),
            "workers": [memory(pid) for pid in children(server.proc.pid)],
            "max_worker_rss_mb": round(max(server.sampler.max_rss.values(), default=0), 1),
            "worker_processes_seen": server.sampler.worker_pids_seen(),
        }
        server.stop()
        floor_server.stop()
        result["server_log"] = server.problems()
        server = floor_server = None
        result["verify"] = json.loads(
            python(["-m", "bench.probe", "verify", "--dir", str(workdir)], env)
        )
    finally:
        for running in (server, floor_server):
            if running is not None:
                running.stop()
        if not args.keep:
            if not args.sqlite:
                python(["-m", "bench.seed", "drop-db"], env)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept {workdir} and the database")
    result["checks"] = checks(result)
    return result


def checks(result: dict) -> dict:
    """What failed (errors: exit status 1) and which targets were missed (reported)."""
    ops = result["ops"]
    errors, misses = [], []
    for key, r in ops.items():
        if r["failed"]:
            errors.append(
                f"{key}: non-2xx {r['non2xx']}, unexpected body {r['unexpected_body']}, "
                f"socket errors {r['socket_errors']}, timeouts {r['timeouts']}, "
                f"pool exhausted {r['pool_exhausted']}; statuses {r['statuses']}; "
                f"samples {r['samples']}"
            )
    # The database must have done at least what the 2xx answers claim (more is possible:
    # wrk stops counting while requests are still in flight), and the warm-ups and the
    # probe did their share too.
    verify = result.get("verify", {})
    for key, field in (
        ("code_exchange", "codes_redeemed"),
        ("refresh", "refresh_tokens_rotated"),
        ("revocation", "families_revoked"),
    ):
        answered = ops[key]["answered_2xx"]
        if verify.get(field, 0) < answered:
            errors.append(f"{key}: {answered} answered 2xx but the database has {verify[field]}")
    for op in OPS:
        r = ops[op.key]
        if r["p50_ms"] and r["p99_ms"] / r["p50_ms"] > P99_OVER_P50_TARGET:
            spread = r["p99_ms"] / r["p50_ms"]
            misses.append(f"{op.key}: p99/p50 {spread:.2f} > {P99_OVER_P50_TARGET:g}")
        if op.floor and op.target:
            ratio = r["vs_floor"]["rps"]
            if ratio < op.target:
                misses.append(f"{op.key}: {ratio:.2f} x {op.floor} < {op.target}")
    for w in result["memory"]["workers"]:
        if w["rss_mb"] >= RSS_TARGET_MB:
            misses.append(f"worker {w['pid']}: RSS {w['rss_mb']} MB >= {RSS_TARGET_MB} MB")
    if result["memory"]["max_worker_rss_mb"] >= RSS_TARGET_MB:
        misses.append(f"a worker reached {result['memory']['max_worker_rss_mb']} MB during the run")
    if result["server_log"]["count"]:
        errors.append(f"server log: {result['server_log']}")
    return {"errors": errors, "target_misses": misses}


# ---- output -----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return round(ordered[middle], 3)
    return round((ordered[middle - 1] + ordered[middle]) / 2, 3)


def cpu_per_request(r: dict) -> float:
    cpu = r["cpu"]
    return (
        cpu["workers_cpu_ms_per_request"]
        + (cpu["postgres_cpu_ms_per_request"] or 0.0)
        + cpu["wrk_cpu_ms_per_request"]
    )


def table(result: dict) -> str:
    ops = result["ops"]
    seed = result["seed"]
    lines = [
        f"{seed['database']}, {result['filler_tokens']:,} filler access tokens "
        f"({seed['rows']['access_tokens']:,} access token rows after seeding, "
        f"seeded in {seed['wall_s']} s), gunicorn {result['workers']} sync workers, "
        f"wrk -t{result['wrk']['threads']} -c{result['wrk']['connections']} "
        f"-d{result['duration_s']}s after a {result['warmup_s']} s warm-up"
        + (f", {result['rounds']} rounds (medians)" if result["rounds"] > 1 else "")
        + ", each operation right after a run of its floor"
        + f"; machine {result['machine_busy_before_pct']}% busy before the run",
        "",
        f"{'operation':<19} {'req/s':>8} {'x floor':>8} {'target':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'p99/p50':>7} {'non-2xx':>7} {'sockerr':>7}",
    ]
    for op in OPS:
        r = ops[op.key]
        ratio = f"{r['vs_floor']['rps']:.2f}" if op.floor else "(floor)"
        target = f">={op.target}" if op.target else "-"
        lines.append(
            f"{op.label:<19} {r['rps']:>8.1f} {ratio:>8} {target:>7} {r['p50_ms']:>7.2f} "
            f"{r['p99_ms']:>7.2f} {r['p99_ms'] / r['p50_ms']:>7.2f} "
            f"{r['non2xx'] + r['unexpected_body']:>7} {r['socket_errors'] + r['timeouts']:>7}"
        )
    lines += [
        "",
        f"{'operation':<19} {'p50 xfl':>7} {'p99 xfl':>7} {'queries':>7} {'wkr ms':>7} "
        f"{'pg ms':>7} {'wrk ms':>7} {'cpu xfl':>7} {'others%':>7}",
    ]
    for op in OPS:
        r, cpu = ops[op.key], ops[op.key]["cpu"]
        if op.floor:
            v = r["vs_floor"]
            p50x, p99x, cpux = f"{v['p50']:.2f}", f"{v['p99']:.2f}", f"{v['cpu_predicted']:.2f}"
        else:
            p50x = p99x = cpux = "(floor)"
        pg = cpu["postgres_cpu_ms_per_request"]
        lines.append(
            f"{op.label:<19} {p50x:>7} {p99x:>7} {result['queries'].get(op.key, '-'):>7} "
            f"{cpu['workers_cpu_ms_per_request']:>7.2f} "
            f"{'-' if pg is None else f'{pg:.2f}':>7} {cpu['wrk_cpu_ms_per_request']:>7.2f} "
            f"{cpux:>7} {cpu['other_processes_pct']:>7.1f}"
        )
    lines.append(
        "(x floor, xfl: ratio to the floor; queries: SQL statements per request, counted "
        "in-process; wkr/pg/wrk ms: CPU milliseconds per request in the gunicorn workers, "
        "their PostgreSQL backends and wrk; cpu xfl: the floor's CPU per request (all "
        "three) over this operation's, the req/s ratio CPU cost alone predicts; others%: "
        "machine CPU used by other processes during the measurement)"
    )
    mem = result["memory"]
    lines += [
        "",
        "worker RSS after the run: "
        + ", ".join(f"{w['rss_mb']} MB (peak {w['peak_rss_mb']})" for w in mem["workers"])
        + f"; master {mem['master']['rss_mb']} MB; largest worker during the run "
        f"{mem['max_worker_rss_mb']} MB, {mem['worker_processes_seen']} worker processes "
        f"seen (max_requests recycling: {result['gunicorn'].get('max_requests')}) "
        f"(target: each worker < {RSS_TARGET_MB} MB)",
        "seeding: " + ", ".join(f"{k} {v} s" for k, v in seed["timings_s"].items()),
        "database after the run: " + ", ".join(f"{k} {v}" for k, v in result["verify"].items()),
    ]
    for key, p in result.get("profiles", {}).items():
        lines += [
            "",
            f"profile of {key} ({p['rps_while_profiled']} req/s while profiled, other "
            f"processes {p['other_processes_pct']}% CPU; {p['svg']}):",
        ]
        for kind in ("cpu", "wall"):
            prof = p[kind]
            lines.append(f" {kind}: {prof['samples_in_request']} samples while handling a request")
            for title, field in (
                ("cumulative", "cumulative"),
                (
                    "cumulative, without gunicorn, Django's handler and wrappers",
                    "cumulative_framework_free",
                ),
                ("self", "self"),
            ):
                lines.append(f"  {title}:")
                lines += [f"   {row['pct']:>5.1f}%  {row['frame']}" for row in prof[field][:10]]
    checks = result["checks"]
    lines.append("")
    lines.append("errors: " + ("; ".join(checks["errors"]) if checks["errors"] else "none"))
    lines.append(
        "targets missed: "
        + ("; ".join(checks["target_misses"]) if checks["target_misses"] else "none")
    )
    return "\n".join(lines)


def scale_summary(runs: list[dict]) -> tuple[str, dict]:
    small, large = runs
    out, data = [], {}
    for key in ("whoami", "client_credentials", "read_floor", "insert_floor"):
        a, b = small["ops"][key], large["ops"][key]
        change = (b["rps"] - a["rps"]) / a["rps"]
        p50 = (b["p50_ms"] - a["p50_ms"]) / a["p50_ms"]
        cpu = (cpu_per_request(b) - cpu_per_request(a)) / cpu_per_request(a)
        data[key] = {
            "rps_change": round(change, 4),
            "p50_change": round(p50, 4),
            "cpu_per_request_change": round(cpu, 4),
        }
        verdict = ""
        if not key.endswith("floor"):
            verdict = " (within 10%)" if abs(change) <= SCALE_TOLERANCE else " (NOT within 10%)"
        out.append(
            f"{key:<19} {a['rps']:>8.1f} -> {b['rps']:>8.1f} req/s {100 * change:+6.1f}%"
            f"{verdict}; p50 {a['p50_ms']:.2f} -> {b['p50_ms']:.2f} ms ({100 * p50:+.1f}%); "
            f"CPU/request {cpu_per_request(a):.2f} -> {cpu_per_request(b):.2f} ms "
            f"({100 * cpu:+.1f}%)"
        )
    header = f"scale: {small['filler_tokens']:,} -> {large['filler_tokens']:,} filler access tokens"
    return "\n".join([header, *out]), data


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    report = {
        "started": stamp,
        "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        "checkout": checkout(),
        "machine": machine(),
        # Variables that change gunicorn's production settings (config/gunicorn.py).
        "environment": {
            k: v
            for k, v in os.environ.items()
            if k.startswith("GUNICORN_") or k == "WEB_CONCURRENCY"
        },
        "runs": [],
    }
    token_counts = SCALE_TOKENS if args.scale else (args.tokens,)
    texts = []
    for tokens in token_counts:
        if args.wait_quiet:
            wait_quiet(args.wait_quiet)
        result = run_once(args, tokens, stamp)
        report["runs"].append(result)
        texts.append(table(result))
        print("\n" + texts[-1] + "\n", flush=True)
    if args.scale:
        text, report["scale"] = scale_summary(report["runs"])
        print(text + "\n")
    RESULTS.mkdir(exist_ok=True)
    suffix = "-scale" if args.scale else ("-sqlite" if args.sqlite else "")
    if args.sqlite_transaction_mode:
        suffix += f"-{args.sqlite_transaction_mode.lower()}"
    path = RESULTS / f"{stamp}{suffix}.json"
    path.write_text(json.dumps(report, indent=2))
    m, c = report["machine"], report["checkout"]
    print(
        f"machine: {m['nproc']} x {m['cpu']}, {m['memory_gib']} GiB; commit {c['commit']} "
        f"({c['dirty_files']} dirty files); results: {path.relative_to(ROOT)}"
    )
    failed = [r for r in report["runs"] if r["checks"]["errors"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
