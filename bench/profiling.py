"""--profile: py-spy recordings of the workers under load, summarized by frame."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.common import read
from bench.constants import RESULTS, ROOT
from bench.load import wrk


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
        for line in read(str(path)).splitlines():
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


def _py_spy() -> str:
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(pyspy).exists():
        raise SystemExit("bench: --profile needs py-spy: .venv/bin/pip install py-spy")
    return pyspy


def profile(op, *, server, workdir, seconds, args, creds, stamp) -> dict:
    pyspy = _py_spy()
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
