"""What a run reports: its checks, its printed table, the --scale summary, the JSON file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.constants import P99_OVER_P50_TARGET, RESULTS, ROOT, RSS_TARGET_MB, SCALE_TOLERANCE
from bench.load import cpu_per_request
from bench.machine import checkout, machine
from bench.ops import OPS


def checks(result: dict) -> dict:
    """What failed (errors: exit status 1) and which targets were missed (reported)."""
    return {"errors": _errors(result), "target_misses": _target_misses(result)}


def _errors(result: dict) -> list[str]:
    ops = result["ops"]
    errors = []
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
    if result["server_log"]["count"]:
        errors.append(f"server log: {result['server_log']}")
    return errors


def _target_misses(result: dict) -> list[str]:
    ops = result["ops"]
    misses = []
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
    return misses


def table(result: dict) -> str:
    lines = [_title(result), ""]
    lines += _throughput(result) + [""]
    lines += _cost(result) + [""]
    lines += _memory_and_database(result)
    for key, p in result.get("profiles", {}).items():
        lines += ["", *_profile(key, p)]
    lines += ["", *_outcome(result["checks"])]
    return "\n".join(lines)


def _title(result: dict) -> str:
    seed = result["seed"]
    return (
        f"{seed['database']}, {result['filler_tokens']:,} filler access tokens "
        f"({seed['rows']['access_tokens']:,} access token rows after seeding, "
        f"seeded in {seed['wall_s']} s), gunicorn {result['workers']} sync workers, "
        f"wrk -t{result['wrk']['threads']} -c{result['wrk']['connections']} "
        f"-d{result['duration_s']}s after a {result['warmup_s']} s warm-up"
        + (f", {result['rounds']} rounds (medians)" if result["rounds"] > 1 else "")
        + ", each operation right after a run of its floor"
        + f"; machine {result['machine_busy_before_pct']}% busy before the run"
    )


def _throughput(result: dict) -> list[str]:
    lines = [
        f"{'operation':<19} {'req/s':>8} {'x floor':>8} {'target':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'p99/p50':>7} {'non-2xx':>7} {'sockerr':>7}",
    ]
    for op in OPS:
        r = result["ops"][op.key]
        ratio = f"{r['vs_floor']['rps']:.2f}" if op.floor else "(floor)"
        target = f">={op.target}" if op.target else "-"
        lines.append(
            f"{op.label:<19} {r['rps']:>8.1f} {ratio:>8} {target:>7} {r['p50_ms']:>7.2f} "
            f"{r['p99_ms']:>7.2f} {r['p99_ms'] / r['p50_ms']:>7.2f} "
            f"{r['non2xx'] + r['unexpected_body']:>7} {r['socket_errors'] + r['timeouts']:>7}"
        )
    return lines


def _cost(result: dict) -> list[str]:
    lines = [
        f"{'operation':<19} {'p50 xfl':>7} {'p99 xfl':>7} {'queries':>7} {'wkr ms':>7} "
        f"{'pg ms':>7} {'wrk ms':>7} {'cpu xfl':>7} {'others%':>7}",
    ]
    for op in OPS:
        r, cpu = result["ops"][op.key], result["ops"][op.key]["cpu"]
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
    return lines


def _memory_and_database(result: dict) -> list[str]:
    mem, seed = result["memory"], result["seed"]
    return [
        "worker RSS after the run: "
        + ", ".join(f"{w['rss_mb']} MB (peak {w['peak_rss_mb']})" for w in mem["workers"])
        + f"; master {mem['master']['rss_mb']} MB; largest worker during the run "
        f"{mem['max_worker_rss_mb']} MB, {mem['worker_processes_seen']} worker processes "
        f"seen (max_requests recycling: {result['gunicorn'].get('max_requests')}) "
        f"(target: each worker < {RSS_TARGET_MB} MB)",
        "seeding: " + ", ".join(f"{k} {v} s" for k, v in seed["timings_s"].items()),
        "database after the run: " + ", ".join(f"{k} {v}" for k, v in result["verify"].items()),
    ]


def _profile(key: str, p: dict) -> list[str]:
    lines = [
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
    return lines


def _outcome(checks: dict) -> list[str]:
    return [
        "errors: " + ("; ".join(checks["errors"]) if checks["errors"] else "none"),
        "targets missed: "
        + ("; ".join(checks["target_misses"]) if checks["target_misses"] else "none"),
    ]


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


def new_report(stamp: str, command: str) -> dict:
    """The JSON report's header: when, what was run, on which checkout and machine."""
    return {
        "started": stamp,
        "command": command,
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


def write_report(report: dict, args, stamp: str) -> Path:
    """bench/results/<stamp>[-scale|-sqlite][-<transaction mode>].json"""
    RESULTS.mkdir(exist_ok=True)
    suffix = "-scale" if args.scale else ("-sqlite" if args.sqlite else "")
    if args.sqlite_transaction_mode:
        suffix += f"-{args.sqlite_transaction_mode.lower()}"
    path = RESULTS / f"{stamp}{suffix}.json"
    path.write_text(json.dumps(report, indent=2))
    return path


def footer(report: dict, path: Path) -> str:
    m, c = report["machine"], report["checkout"]
    return (
        f"machine: {m['nproc']} x {m['cpu']}, {m['memory_gib']} GiB; commit {c['commit']} "
        f"({c['dirty_files']} dirty files); results: {path.relative_to(ROOT)}"
    )
