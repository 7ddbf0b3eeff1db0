"""Shared by the bench modules: the log line, a file's text, a command's output, `python -m`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.constants import ROOT


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def read(path: str | Path) -> str:
    """A file's text, or "" (a process that exited, a log not written yet)."""
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def output(cmd: list[str], **kwargs) -> str:
    """A command's stdout (or stderr), stripped; "" when it cannot run or hangs."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kwargs)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


def python(args: list[str], env: dict[str, str], *, capture: bool = True) -> str:
    """Run `python ARGS` in the checkout (bench.seed, bench.probe); stop the bench if it fails."""
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
