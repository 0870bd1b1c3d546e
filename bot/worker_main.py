from __future__ import annotations

import logging

from rq import Worker

from bot import jobs, runtime
from bot.logging_setup import configure_logging

log = logging.getLogger("planbot.worker")


def main() -> None:
    configure_logging()
    rt = runtime.current()
    rt.negotiation_rules  # refuse to start with an invalid rules file
    # Whatever Redis lost (restart, no persistence) or a dead worker left is found in the
    # database and queued again before this worker takes new work.
    log.info("startup sweep: %s", jobs.sweep(reschedule=True))
    Worker([rt.queue], connection=rt.redis).work(with_scheduler=True)
