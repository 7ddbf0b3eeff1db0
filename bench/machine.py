"""The machine and the checkout a run is recorded with, and how busy the machine is."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time

from bench import procfs
from bench.common import log, output
from bench.constants import ROOT


def machine() -> dict:
    memory_kib = procfs.memory_total_kib()
    return {
        "nproc": os.cpu_count(),
        "cpu": procfs.cpu_model() or platform.processor(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1) if memory_kib else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gunicorn": output([sys.executable, "-m", "gunicorn", "--version"]),
        "wrk": output(["wrk", "-v"]).splitlines()[0] if shutil.which("wrk") else None,
    }


def checkout() -> dict:
    status = output(["git", "status", "--short"], cwd=ROOT)
    return {
        "commit": output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT),
        "dirty_files": len([line for line in status.splitlines() if line.strip()]),
    }


def machine_busy_pct(seconds: float) -> float:
    busy0, total0 = procfs.machine_cpu()
    time.sleep(seconds)
    busy1, total1 = procfs.machine_cpu()
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
