"""The runtime a job runs with: the process's, with this deployment's journeys."""
from __future__ import annotations

from bot import runtime as runtime_module
from bot.flows import catalog


def runtime() -> runtime_module.Runtime:
    return catalog.prepare(runtime_module.current())
