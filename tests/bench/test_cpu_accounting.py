"""The load bench's CPU accounting: milliseconds per message by process group, from /proc."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import cpu  # noqa: E402


def test_cpu_used_is_split_by_process_group_and_per_message():
    before = cpu.Snapshot({1: ("workers", 10.0), 2: ("web", 4.0), 3: ("PostgreSQL", 1.0)},
                          steal=5.0, total=100.0)
    after = cpu.Snapshot({1: ("workers", 12.0), 2: ("web", 4.5), 3: ("PostgreSQL", 1.2),
                          4: ("workers", 1.0)},  # a worker restarted in the window
                         steal=6.0, total=120.0)

    assert cpu.per_group(before, after) == pytest.approx(
        {"workers": 3.0, "web": 0.5, "PostgreSQL": 0.2})
    report = cpu.report(before, after, messages=100)
    assert "workers 30.0, web 5.0, PostgreSQL 2.0, Redis 0.0" in report
    assert "all 37.0" in report
    assert "5.0 %" in report  # steal: 1 s of 20


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_a_snapshot_counts_this_process_as_the_bench():
    shot = cpu.snapshot()
    group, seconds = shot.by_pid[os.getpid()]
    assert group == "bench" and seconds > 0
    assert shot.total > 0
