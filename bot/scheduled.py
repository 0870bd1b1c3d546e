"""Time-driven work (reminders, paced campaigns) that the sweeper runs when due.

Journeys register a callable `fn(runtime) -> None`; each must be idempotent, because a
sweep can run on several workers at once and again after a crash.
"""
from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)

_due_work: list[Callable] = []


def register(fn: Callable) -> Callable:
    if fn not in _due_work:
        _due_work.append(fn)
    return fn


def run_due(runtime) -> None:
    import bot.flows  # noqa: F401  (journeys register their due work on import)

    for fn in list(_due_work):
        try:
            fn(runtime)
        except Exception:  # one journey's failure must not stop the others' recovery
            log.exception("scheduled work %s failed", getattr(fn, "__name__", fn))
