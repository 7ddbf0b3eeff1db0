"""Everything read from /proc (Linux; psutil is not a dependency): one place to parse it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from bench.common import read

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def cpu_model() -> str | None:
    found = re.search(r"^model name\s*:\s*(.+)$", read("/proc/cpuinfo"), re.M)
    return found.group(1).strip() if found else None


def memory_total_kib() -> int | None:
    found = re.search(r"^MemTotal:\s*(\d+) kB", read("/proc/meminfo"), re.M)
    return int(found.group(1)) if found else None


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in read("/proc/stat").splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy / CLOCK_TICKS, (busy + idle + iowait) / CLOCK_TICKS


def _stat(pid: int | str) -> tuple[str, list[str]] | None:
    """(command name, the fields after it) of /proc/PID/stat, or None."""
    stat = read(f"/proc/{pid}/stat")
    if not stat:
        return None
    comm, rest = stat.split(" ", 1)[1].rsplit(")", 1)
    return comm[1:], rest.split()


def processes():
    """(pid, command name, parent pid, CPU seconds, resident MB) of every process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(entry)
        if stat is None:
            continue
        comm, fields = stat
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        yield int(entry), comm, int(fields[1]), cpu, int(fields[21]) * PAGE_SIZE / 2**20


def cmdline(pid: int) -> str:
    return read(f"/proc/{pid}/cmdline").replace("\0", " ")


def children(pid: int) -> list[int]:
    found = read(f"/proc/{pid}/task/{pid}/children").split()
    if found:
        return sorted(int(p) for p in found)
    result = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(entry.name)
            if stat and int(stat[1][1]) == pid:
                result.append(int(entry.name))
    return sorted(result)


def memory(pid: int) -> dict:
    status = read(f"/proc/{pid}/status")
    fields = dict(re.findall(r"^(VmRSS|VmHWM):\s*(\d+) kB", status, re.M))
    return {
        "pid": pid,
        "rss_mb": round(int(fields.get("VmRSS", 0)) / 1024, 1),
        "peak_rss_mb": round(int(fields.get("VmHWM", 0)) / 1024, 1),
    }
