"""The measurements: every operation, round after round, right after a run of its floor;
then each operation's median run and its median ratios to its floor."""

from __future__ import annotations

from bench.common import log
from bench.load import cpu_per_request, wrk
from bench.machine import wait_quiet
from bench.ops import BY_KEY, OPS


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return round(ordered[middle], 3)
    return round((ordered[middle - 1] + ordered[middle]) / 2, 3)


class Rounds:
    """Each Gatehouse operation is measured right after a fresh run of its floor, so the
    ratio compares two runs seconds apart (a shared machine's load drifts)."""

    def __init__(self, args, *, server, floor_server, workdir, creds) -> None:
        self.args, self.server, self.floor_server = args, server, floor_server
        self.workdir, self.creds = workdir, creds
        self.runs: dict[str, list[dict]] = {op.key: [] for op in OPS}
        self.pairs: dict[str, list[tuple[dict, dict]]] = {op.key: [] for op in OPS if op.floor}
        self.extra: dict[str, dict] = {}  # failed warm-ups and failed runs not chosen
        self.warmed: set[str] = set()

    def _wrk(self, op, phase: str, seconds: int) -> dict:
        return wrk(
            op,
            server=self.floor_server if op.bare else self.server,
            workdir=self.workdir,
            phase=phase,
            seconds=seconds,
            args=self.args,
            creds=self.creds,
        )

    def measure(self, op, n: int) -> dict:
        """Round n of `op` (after its warm-up, the first time)."""
        if self.args.warmup and op.key not in self.warmed:
            self.warmed.add(op.key)
            warm = self._wrk(op, "warmup", self.args.warmup)
            if warm["failed"]:
                self.extra[op.key + "_warmup"] = warm
        r = self._wrk(op, f"measure{n}", self.args.duration)
        self.runs[op.key].append(r)
        log(
            f"round {n} {op.label}: {r['rps']} req/s, p50 {r['p50_ms']} ms, "
            f"p99 {r['p99_ms']} ms, non-2xx {r['non2xx']}, "
            f"other processes {r['cpu']['other_processes_pct']}% CPU"
        )
        return r

    def run(self) -> None:
        for n in range(1, self.args.rounds + 1):
            for op in OPS:
                if op.floor:
                    if self.args.wait_quiet:
                        self.server.settle()
                        wait_quiet(self.args.wait_quiet)
                    floor = self.measure(BY_KEY[op.floor], n)
                    self.pairs[op.key].append((floor, self.measure(op, n)))

    def summary(self) -> dict:
        """Each figure is the median run (by requests/s); each ratio the median of the
        ratios of the pairs. Every run is kept in the JSON."""
        ops = {}
        for key, rs in self.runs.items():
            chosen = sorted(rs, key=lambda r: r["rps"])[(len(rs) - 1) // 2]
            ops[key] = {
                **chosen,
                "runs_rps": [r["rps"] for r in rs],
                "answered_2xx": sum(r["requests"] - r["non2xx"] for r in rs),
            }
            for n, r in enumerate(rs, 1):
                if r["failed"] and r is not chosen:
                    self.extra[f"{key}_run{n}"] = r
        for key, ps in self.pairs.items():
            ops[key]["vs_floor"] = vs_floor(ps)
        ops.update(self.extra)
        return ops


def vs_floor(pairs: list[tuple[dict, dict]]) -> dict:
    """An operation against its floor: median ratios over the (floor, operation) pairs."""
    return {
        "rps": median([r["rps"] / f["rps"] for f, r in pairs]),
        "p50": median([r["p50_ms"] / f["p50_ms"] for f, r in pairs]),
        "p99": median([r["p99_ms"] / f["p99_ms"] for f, r in pairs]),
        "cpu_predicted": median([cpu_per_request(f) / cpu_per_request(r) for f, r in pairs]),
        "pairs": [
            {"floor_rps": f["rps"], "rps": r["rps"], "floor_p50_ms": f["p50_ms"]} for f, r in pairs
        ],
    }
