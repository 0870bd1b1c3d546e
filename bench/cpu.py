"""CPU time per process group over a bench's measured window, read from /proc (Linux).

Throughput here is bound by the machine's cores, so CPU milliseconds per message, by
process, are the figure that compares between runs and machines; wall-clock rates swing
with the host's load (steal time is printed beside them for that reason).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

GROUPS = (  # (group, what its command line contains), first match wins
    ("workers", "worker.py"),
    ("web", "gunicorn"),
    ("PostgreSQL", "postgres"),
    ("Redis", "redis-server"),
)
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Snapshot:
    by_pid: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid: (group, s)
    steal: float = 0.0  # s of the machine's time taken by the host
    total: float = 0.0  # s of all the machine's time


def _group(pid: int, cmdline: str, own: int) -> str:
    if pid == own:
        return "bench"
    return next((name for name, mark in GROUPS if mark in cmdline), "other")


def snapshot() -> Snapshot:
    shot = Snapshot()
    if not os.path.isdir("/proc"):
        return shot
    own = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
        shot.by_pid[pid] = (_group(pid, cmdline, own), seconds)
    with open("/proc/stat") as f:
        cpu = [int(v) for v in f.readline().split()[1:]]
    shot.steal = cpu[7] / _TICK if len(cpu) > 7 else 0.0
    shot.total = sum(cpu[:8]) / _TICK
    return shot


def per_group(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds each group used between the two snapshots (processes started in
    between count from zero; those that ended are missing: a bench keeps its own alive)."""
    used: dict[str, float] = {}
    for pid, (group, seconds) in after.by_pid.items():
        earlier = before.by_pid.get(pid)
        used[group] = used.get(group, 0.0) + seconds - (earlier[1] if earlier else 0.0)
    return used


def report(before: Snapshot, after: Snapshot, messages: int) -> str:
    if not before.by_pid or not messages:
        return "  CPU per message: not measured (no /proc, or no message in the window)"
    used = per_group(before, after)
    order = ["workers", "web", "PostgreSQL", "Redis", "bench", "other"]
    parts = [f"{name} {1000 * used.get(name, 0.0) / messages:.1f}" for name in order]
    total = sum(used.values())
    elapsed = after.total - before.total
    steal = 100 * (after.steal - before.steal) / elapsed if elapsed else 0.0
    return (f"  CPU per message (ms)      {', '.join(parts)}; all {1000 * total / messages:.1f}"
            f"\n  host steal in the window  {steal:.1f} % of the machine's time")
