"""CPU and memory of the servers under load: the background Sampler and the CpuMeter."""

from __future__ import annotations

import re
import resource
import threading

from bench import procfs


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

    def kind(self, pid: int, comm: str, parent: int) -> str | None:
        """The process's kind: "workers", "postgres" (a bench database backend) or None."""
        if parent == self.master:
            return "workers"
        if self.backend is not None and comm == "postgres":
            return "postgres" if self.backend.match(procfs.cmdline(pid)) else None
        return None

    def sample(self) -> None:
        found = {}
        for pid, comm, parent, cpu, rss in procfs.processes():
            kind = self.kind(pid, comm, parent)
            if kind is not None:
                found[pid] = (kind, cpu, rss)
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
        self.start_machine = procfs.machine_cpu()

    def stop(self, requests: int) -> dict:
        totals = self.sampler.totals()
        busy1, total1 = procfs.machine_cpu()
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
