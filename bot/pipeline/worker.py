"""`python worker.py`: an RQ worker with RQ's scheduler that also keeps our sweeper alive.

It runs jobs in its own process (RQ's SimpleWorker, job timeouts by SIGALRM as RQ's
forking worker does) with everything a job needs loaded once: the journeys, templates,
rules, the database engine, Redis and Twilio's client with its HTTP session. A forking
worker re-imported Twilio's REST modules and rebuilt every connection per job
([0270](../../docs/decisions/0270-non-forking-prewarmed-worker.md)). It outlives a Redis
outage: RQ's loop ends on it, this module waits for Redis with backoff, sweeps at once
and works again ([0275](../../docs/decisions/0275-workers-survive-redis-outages.md)).
"""
from __future__ import annotations

import logging
import os
import time
from datetime import timedelta

from prometheus_client import start_http_server
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker
from rq.utils import now as rq_now

from bot import runtime
from bot.flows import catalog
from bot.language import formatting, templates
from bot.pipeline import context, process, sweep  # noqa: F401  (process: loaded before any job)
from bot.platform import metrics  # noqa: F401  (its metrics exist from the start)
from bot.platform import calendar, clock
from bot.platform.logs import configure_logging, mask_cpfs

log = logging.getLogger("planbot.worker")

RECOVERY_INTERVAL = 5  # seconds between maintenance ticks (recover, Redis restart check)


class SweeperKeeping:
    """Mixin for RQ workers.

    On its first maintenance tick (before taking any job) the worker sweeps: whatever
    Redis lost (restart, no persistence) or a dead worker left is found in the database
    and queued again. On every later tick it re-arms the sweeper if no sweep is scheduled:
    the sweeper's own chain dies with a Redis that lost its scheduled job, and nothing
    else would bring it back until a worker restarted.
    """

    _swept_at_start = False
    _redis_run_id = None

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        rt = context.runtime()
        if self._swept_at_start and not self._redis_restarted(rt):
            sweep.schedule_sweeper(rt)
            try:
                sweep.recover(rt)
            except Exception:
                log.exception("recovery tick failed")
            return
        self._swept_at_start = True
        try:
            log.info("start-up sweep: %s", sweep.sweep(reschedule=True))
        except Exception:  # the worker is still useful; the scheduled sweep retries
            log.exception("start-up sweep failed")

    def _redis_restarted(self, rt) -> bool:
        """A Redis restarted (a new run id) may have lost every queued job: sweep now."""
        try:
            run_id = rt.redis.info("server").get("run_id")
        except (RedisError, OSError):
            return False
        previous, self._redis_run_id = self._redis_run_id, run_id
        if previous is not None and previous != run_id:
            log.warning("Redis restarted (run id %s → %s): sweeping now", previous, run_id)
            return True
        return False


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


class LeanBookkeeping:
    """Mixin for RQ workers: RQ's own bookkeeping in fewer Redis round trips per job.

    RQ refreshes the worker's registration (three commands, each its own round trip) up to
    four times per job, writes the worker's state even when it has not changed and asks
    whether workers are suspended before every job; at a few milliseconds per job that
    was a fifth of a worker's time (0278). Here a heartbeat outside a pipeline goes out at
    most once a second, as one pipeline: the registration lives `worker_ttl + 60`
    seconds, so nothing watching it can tell. A heartbeat inside one of RQ's pipelines (a
    job's start, a forked horse's watch) is written as RQ wrote it.
    """

    HEARTBEAT_EVERY = timedelta(seconds=1)
    _written_state = None
    _suspension_checked_at = 0.0

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:
            return super().heartbeat(timeout, pipeline=pipeline)
        last = self.last_heartbeat  # RQ's own record, whoever wrote the heartbeat
        if timeout is None and last is not None and rq_now() - last < self.HEARTBEAT_EVERY:
            return None
        with self.connection.pipeline(transaction=False) as batched:
            super().heartbeat(timeout, pipeline=batched)
            batched.execute()
        return None

    def set_state(self, state, pipeline=None):
        if pipeline is None and state == self._written_state:
            self._state = state
            return
        super().set_state(state, pipeline=pipeline)
        self._written_state = state

    def check_for_suspension(self, burst: bool):
        """`rq suspend` is noticed within a second instead of being asked before every
        job."""
        if time.monotonic() - self._suspension_checked_at < self.HEARTBEAT_EVERY.total_seconds():
            return
        super().check_for_suspension(burst)
        self._suspension_checked_at = time.monotonic()

    def handle_execution_ended(self, job, queue, heartbeat_ttl):
        """RQ refreshes the job's heartbeat here so that its callbacks get their time; a
        job without callbacks is settled by RQ's next pipeline at once."""
        if job.success_callback is None and job.failure_callback is None:
            job.ended_at = rq_now()
            return
        super().handle_execution_ended(job, queue, heartbeat_ttl)


class PlanbotWorker(FailureMasking, SweeperKeeping, LeanBookkeeping, SimpleWorker):
    """The production worker: jobs run in this process, nothing reloaded per job."""


class ForkingPlanbotWorker(FailureMasking, SweeperKeeping, LeanBookkeeping, Worker):
    """RQ's forking worker (WORKER_FORK=1): a work horse per job, forked from a parent
    that loaded everything first. Isolates a job that leaks or crashes the interpreter,
    at about a fork's cost per job (see docs/operations.md)."""


class InProcessWorker(FailureMasking, LeanBookkeeping, SimpleWorker):
    """Runs queued jobs in the calling process (the chat command, tests).

    It lives for one burst, so it takes no commands over RQ's pubsub channel: that thread
    waits up to 60 s per read and redis-py (8.x) joins it on stop, so an empty burst
    sometimes took a minute — or hung the chat between two messages."""

    def subscribe(self):
        pass

    def unsubscribe(self):
        pass


def worker_options(settings) -> dict:
    """Maintenance every RECOVERY_INTERVAL seconds (or as often as the sweeper, if more
    often). RQ runs maintenance between blocking dequeues of worker_ttl - 15 s, so the TTL
    must follow for an idle worker to tick."""
    interval = max(min(settings.sweep_interval_seconds, RECOVERY_INTERVAL), 1)
    return {"maintenance_interval": interval, "worker_ttl": interval + 15}


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
    warm_up(rt)
    if rt.settings.worker_metrics_port:
        start_metrics_server(rt.settings.worker_metrics_port)
    try:
        # RQ logs three INFO lines per job; at hundreds of jobs a second they cost more
        # than the jobs' own work. Failures are still logged (and counted in /metrics).
        work_until_stopped(rt, worker_class(),
                           logging_level=os.environ.get("RQ_LOG_LEVEL", "WARNING"))
    finally:
        rt.close()  # an embedded Redis this worker started must not outlive it


def worker_class():
    return ForkingPlanbotWorker if os.environ.get("WORKER_FORK", "") == "1" else PlanbotWorker


def warm_up(rt: runtime.Runtime) -> None:
    """Load, before the first job, what every job uses: the senders (Twilio's client, its
    REST modules and HTTP session), templates, the database engine."""
    for channel in ("whatsapp", "email"):
        sender = rt.sender(channel)
        client = getattr(sender, "client", None)
        if client is not None:
            client.messages  # noqa: B018  twilio imports its REST modules on first use
    env = templates.environment()
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)  # compiled once here, not by the first turns under load
    # Data libraries load lazily on first use (babel's pt_BR locale, phonenumbers' BR
    # metadata, this year's holidays): paid here instead of by the first turns.
    today = clock.today()
    formatting.money(1234.56)
    formatting.brdate(today)
    formatting.phone(rt.settings.operator_phone)
    calendar.is_business_day(today, rt.settings.operator_state)
    rt.sessions  # noqa: B018
    rt.registry  # noqa: B018


def start_metrics_server(port: int) -> None:
    start_http_server(port, addr="127.0.0.1")
    log.info("worker metrics on http://127.0.0.1:%s/metrics", port)


MAX_BACKOFF = 10  # seconds between Redis checks while it is away


def work_until_stopped(rt: runtime.Runtime, cls=PlanbotWorker, max_rounds: int | None = None,
                       with_scheduler: bool = True, **work_options) -> int:
    """RQ's worker loop, again and again until it is asked to stop: RQ's loop ends on an
    error of Redis while a job runs (and on a Redis timeout); then wait for Redis with
    backoff and start a new loop, whose first maintenance tick sweeps at once (everything
    queued may be lost). Returns the number of rounds."""
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        rounds += 1
        worker = cls(rt.queues, connection=rt.redis, **worker_options(rt.settings))
        try:
            worker.work(with_scheduler=with_scheduler, **work_options)
        except (RedisError, OSError) as exc:  # RQ's own teardown could not reach Redis
            log.warning("worker stopped by Redis: %s", exc)
        if _asked_to_stop(worker) or work_options.get("burst"):
            break
        time.sleep(0.5)  # never a busy loop, whatever ended the round
        wait_for_redis(rt)
    return rounds


def _asked_to_stop(worker) -> bool:
    """SIGTERM/SIGINT: RQ sets `_stop_requested` only when a job was running; an idle
    worker just leaves its loop, with the request's date set."""
    return bool(getattr(worker, "_stop_requested", False)
                or getattr(worker, "_shutdown_requested_date", None))


def wait_for_redis(rt: runtime.Runtime, sleep=time.sleep) -> None:
    delay = 0.5
    while True:
        try:
            rt.redis.ping()
            log.info("Redis is reachable again: back to work")
            return
        except (RedisError, OSError) as exc:
            log.warning("Redis unreachable (%s); next try in %.1f s", exc, delay)
            sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)
