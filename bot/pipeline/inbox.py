"""Durable intake shared by every channel: store first, then acknowledge, then enqueue."""
from __future__ import annotations

import logging

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.channels.base import Incoming
from bot.platform import clock, queueing
from storage.db import core_transaction
from storage.models import InboundMessage

log = logging.getLogger(__name__)

# Compiled once: a statement built per call with .values() spends more time in
# SQLAlchemy's coercion and cache keys than the database spends inserting.
_INSERT = insert(InboundMessage.__table__)


def accept(runtime, incoming: Incoming) -> bool:
    """Store the message (deduplicated by channel + external id) and wake a worker.

    Returns False for a duplicate, which the caller acknowledges like any other: the
    provider retried because it did not see our first answer.
    """
    try:
        _store(runtime, incoming)
    except IntegrityError:
        log.info("duplicate %s message %s acknowledged", incoming.channel, incoming.external_id)
        return False
    queueing.process_later(runtime, incoming.conversation_key)
    return True


def _store(runtime, incoming: Incoming) -> None:
    # A pooled connection is pinged only after a while idle (storage/db.py, 0276): one cut
    # since (a database restart) fails here once, and SQLAlchemy then replaces the pool.
    # The provider may not post again, so the INSERT is tried once more on a fresh
    # connection; if the first one did commit, the second is the duplicate it detects.
    for attempt in (1, 2):
        try:
            with core_transaction(runtime.sessions) as connection:
                # One INSERT statement, without the ORM's session: the acknowledgement's
                # only database work (bench/load.py compares it with a bare INSERT).
                connection.execute(_INSERT, dict(
                    channel=incoming.channel, external_id=incoming.external_id,
                    conversation_key=incoming.conversation_key, sender=incoming.sender,
                    recipient=incoming.recipient, text=incoming.text, payload=incoming.payload,
                    attachments=[{"url": a.url, "content_type": a.content_type, **a.extra}
                                 for a in incoming.attachments],
                    raw=incoming.raw, received_at=clock.now(), status="received", attempts=0,
                ))
            return
        except DBAPIError as exc:
            if attempt == 1 and exc.connection_invalidated:
                log.warning("database connection lost while storing %s message %s; once more",
                            incoming.channel, incoming.external_id)
                continue
            raise
