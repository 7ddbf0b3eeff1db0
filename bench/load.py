"""The load: pool files for each phase, one wrk run (bench/wrk.lua) and its figures."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bench.constants import BENCH
from bench.ops import OPS
from bench.sampling import CpuMeter
from bench.servers import base_env


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


def _wrk_env(op, *, workdir: Path, phase: str, args, creds) -> dict[str, str]:
    """The request bench/wrk.lua sends, described in its environment."""
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
    return env


def _wrk_cmd(args, seconds: int, url: str) -> list[str]:
    return [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BENCH / "wrk.lua"),
        url,
    ]


def _add_figures(result: dict) -> None:
    """Requests/s, p50/p99 in ms, error counts and `failed`, from wrk.lua's raw counts."""
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


def wrk(op, *, server, workdir: Path, phase: str, seconds: int, args, creds) -> dict:
    """One wrk run of `op` against `server`, with the CPU it cost."""
    server.settle()
    meter = CpuMeter(server.sampler, has_postgres=not args.sqlite)
    env = _wrk_env(op, workdir=workdir, phase=phase, args=args, creds=creds)
    cmd = _wrk_cmd(args, seconds, server.url)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"bench: wrk failed for {op.label}:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("BENCH_JSON ") :])
    result["cpu"] = meter.stop(result["requests"])
    result["command"] = " ".join(cmd[:-3] + ["bench/wrk.lua", server.url])
    _add_figures(result)
    return result


def cpu_per_request(r: dict) -> float:
    """CPU milliseconds per request of a wrk run: workers, PostgreSQL backends and wrk."""
    cpu = r["cpu"]
    return (
        cpu["workers_cpu_ms_per_request"]
        + (cpu["postgres_cpu_ms_per_request"] or 0.0)
        + cpu["wrk_cpu_ms_per_request"]
    )
