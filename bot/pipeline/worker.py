"""`python worker.py`: an RQ worker with RQ's scheduler that also keeps our sweeper alive."""
from __future__ import annotations

import logging

from rq import SimpleWorker, Worker

from bot import runtime
from bot.flows import catalog
from bot.pipeline import context, sweep
from bot.platform.logs import configure_logging, mask_cpfs

log = logging.getLogger("planbot.worker")


class SweeperKeeping:
    """Mixin for RQ workers.

    On its first maintenance tick (before taking any job) the worker sweeps: whatever
    Redis lost (restart, no persistence) or a dead worker left is found in the database
    and queued again. On every later tick it re-arms the sweeper if no sweep is scheduled:
    the sweeper's own chain dies with a Redis that lost its scheduled job, and nothing
    else would bring it back until a worker restarted.
    """

    _swept_at_start = False

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        rt = context.runtime()
        if self._swept_at_start:
            sweep.schedule_sweeper(rt)
            return
        self._swept_at_start = True
        try:
            log.info("start-up sweep: %s", sweep.sweep(reschedule=True))
        except Exception:  # the worker is still useful; the scheduled sweep retries
            log.exception("start-up sweep failed")


class FailureMasking:
    """Mixin for RQ workers: a failed job's traceback is masked before RQ stores it.

    RQ keeps it in Redis (the job's result and the failed-job registry, for days) and
    sends it to failure webhooks; a third-party message (a driver error quoting its SQL
    parameters, an operator API error quoting `?cpf=`) can carry a full CPF there, out
    of reach of the masked logs.
    """

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="",
                           execution=None):
        return super().handle_job_failure(job, queue, started_job_registry=started_job_registry,
                                          exc_string=mask_cpfs(exc_string or ""),
                                          execution=execution)


class PlanbotWorker(FailureMasking, SweeperKeeping, Worker):
    pass


class InProcessWorker(FailureMasking, SimpleWorker):
    """Runs queued jobs in the calling process (the chat command, tests).

    It lives for one burst, so it takes no commands over RQ's pubsub channel: that thread
    waits up to 60 s per read and redis-py (8.x) joins it on stop, so an empty burst
    sometimes took a minute — or hung the chat between two messages."""

    def subscribe(self):
        pass

    def unsubscribe(self):
        pass


def worker_options(settings) -> dict:
    """Maintenance as often as the sweeper runs. RQ runs maintenance between blocking
    dequeues of worker_ttl - 15 s, so the TTL must follow for an idle worker to tick."""
    interval = max(settings.sweep_interval_seconds, 1)
    return {"maintenance_interval": interval, "worker_ttl": max(interval + 15, 30)}


def run() -> None:
    """`python worker.py`: a configuration or rules file that cannot work is reported in
    one line instead of a traceback."""
    with runtime.refuse_to_start("planbot worker"):
        rt = _checked_runtime()
    _work(rt)


def main() -> None:
    _work(_checked_runtime())


def _checked_runtime() -> runtime.Runtime:
    configure_logging()
    rt = context.runtime()  # SettingsError: misconfigured
    catalog.check(rt)  # RulesError: refuse to start with an invalid rules file
    return rt


def _work(rt: runtime.Runtime) -> None:
    try:
        PlanbotWorker([rt.queue], connection=rt.redis, **worker_options(rt.settings)).work(
            with_scheduler=True)
    finally:
        rt.close()  # an embedded Redis this worker started must not outlive it
