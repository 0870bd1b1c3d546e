"""The files of an inbound message, fetched inside its turn (never in the webhook).

`fetch` downloads, checks and stores each WhatsApp media item through
bot.services.attachments, in the turn's transaction, and hands the engine what it may
show a flow: the accepted files (engine.File) and a refusal reason for each of the
others. E-mail attachments arrive already stored by the webhook (only their type and size
read there, so the acknowledgement stays fast): here their stored bytes get the same full
check, and the accepted ones become rows and files exactly like WhatsApp media; the bytes
of a file refused now are discarded once the turn has committed (`discard`). A passing fault (Twilio still propagating the media, a timeout, the store down)
raises MediaNotReady: the whole turn rolls back — no row attached, no "recebido" — and
process.py tries the message again after DOWNLOAD_RETRY_INTERVALS. After the last try
what still cannot be fetched is answered as "send it again" and the turn goes on.
"""
from __future__ import annotations

import logging
from typing import NamedTuple

from sqlalchemy import delete, select

from bot.engine import File
from bot.platform import clock
from bot.services.attachments import (
    DOWNLOAD_RETRY_INTERVALS,
    MissingAttachment,
    RetryableDownloadError,
    StoreUnavailable,
    inspect_bytes,
    receive,
    record_stored,
    store_from_settings,
)
from storage.db import transaction
from storage.models import Attachment, AttachmentDiscard, Conversation, InboundMessage

log = logging.getLogger(__name__)

# Voice notes and videos are never documents: left to the engine's "escreva" answer.
_NOT_DOCUMENTS = ("audio", "video")
DOWNLOAD_FAILED = "download_failed"


class MediaNotReady(Exception):
    """Try this message again later (see DOWNLOAD_RETRY_INTERVALS)."""


class Fetched(NamedTuple):
    files: tuple[File, ...] = ()
    refused: tuple[str, ...] = ()  # reason codes, as engine.Message.refused
    discard: tuple[str, ...] = ()  # store keys of refused bytes, for `discard` after commit


def retry_delay(attempts: int) -> int | None:
    """Seconds before the next try after `attempts` failed ones; None: no more tries."""
    if attempts <= len(DOWNLOAD_RETRY_INTERVALS):
        return DOWNLOAD_RETRY_INTERVALS[attempts - 1]
    return None


def documents_in(msg: InboundMessage) -> list[dict]:
    if msg.channel != "whatsapp":
        return []
    return [item for item in (msg.attachments or ())
            if (item.get("content_type") or "").split("/", 1)[0].lower() not in _NOT_DOCUMENTS]


def fetch(s, rt, conversation: Conversation, msg: InboundMessage) -> Fetched:
    if msg.channel == "email":
        return _stored_by_the_webhook(s, rt, conversation, msg)
    items = documents_in(msg)
    if not items:
        return Fetched()
    last_try = retry_delay((msg.attempts or 0) + 1) is None
    store = store_from_settings(rt.settings)
    files, refused = [], []
    for item in items:
        try:
            received = receive(s, store, rt.settings, [item], conversation_id=conversation.id,
                               inbound_message_id=msg.id, message_sid=msg.external_id,
                               case_ref=(conversation.data or {}).get("protocol"))[0]
        except (RetryableDownloadError, StoreUnavailable) as exc:
            if not last_try:
                raise MediaNotReady(f"{type(exc).__name__}: {exc}") from exc
            refused.append(DOWNLOAD_FAILED)
            continue
        if not received.accepted:
            refused.append(received.reason)
            continue
        files.append(_file(s.get(Attachment, received.attachment_id)))
    return Fetched(tuple(files), tuple(refused))


def _file(row: Attachment) -> File:
    return File(attachment_id=row.id, kind=row.kind, mime=row.mime, size=row.size,
                filename=row.original_filename)


def _stored_by_the_webhook(s, rt, conversation: Conversation, msg: InboundMessage) -> Fetched:
    """An e-mail's files: refused by the webhook (type, size: never stored) or stored
    there; these are checked in full now (mail stored before this check was introduced
    came checked: `checked` absent). A row per accepted file, once per message however
    often the turn runs (`record_stored`)."""
    refused = [r["reason"] for r in (msg.raw or {}).get("refused_attachments", ())]
    items = [i for i in msg.attachments or () if i.get("sha256")]
    if not items:
        return Fetched((), tuple(refused))
    last_try = retry_delay((msg.attempts or 0) + 1) is None
    store = store_from_settings(rt.settings)
    files, discard = [], []
    for item in items:
        if item.get("checked") is False:
            try:
                inspection = inspect_bytes(store.get(item["sha256"]),
                                           min_pixels=rt.settings.attachments_min_pixels,
                                           max_bytes=rt.settings.attachments_max_bytes)
            except StoreUnavailable as exc:
                if not last_try:
                    raise MediaNotReady(f"{type(exc).__name__}: {exc}") from exc
                refused.append(DOWNLOAD_FAILED)
                continue
            except MissingAttachment:  # same bytes refused for another mail and discarded
                refused.append(DOWNLOAD_FAILED)
                continue
            if not inspection.accepted:
                refused.append(inspection.reasons[0])
                discard.append(item["sha256"])
                # In the turn's transaction: if this worker dies before `discard`, or the
                # store is down then, the sweeper still finds the bytes to delete.
                s.add(AttachmentDiscard(sha256=item["sha256"]))
                continue
            item = {**item, "content_type": inspection.mime, "kind": inspection.kind}
        row = record_stored(s, item, conversation_id=conversation.id, inbound_message_id=msg.id,
                            case_ref=(conversation.data or {}).get("protocol"))
        files.append(_file(row))
    return Fetched(tuple(files), tuple(refused), tuple(discard))


def discard(rt, keys) -> int:
    """After the turn that refused them committed: bytes the webhook stored but the full
    check refused are deleted (nothing kept that no row accounts for, so retention never
    misses them), unless an attachment row uses the same bytes. Their AttachmentDiscard
    rows go once the bytes are gone; a store that is down leaves them for the sweeper
    (`discard_left_over`). Returns how many keys were settled."""
    store = store_from_settings(rt.settings)
    settled = 0
    for key in dict.fromkeys(keys):
        # Rows written after this point belong to a turn that refused the same bytes
        # again (a new mail put them back): they stay for that turn, or the sweeper.
        started = clock.now()
        with transaction(rt.sessions) as s:
            used = s.scalar(select(Attachment.id).where(Attachment.sha256 == key).limit(1))
        if used is None:
            try:
                store.delete(key)
            except StoreUnavailable as exc:
                log.warning("refused attachment %s… not discarded yet: %s", key[:12], exc)
                continue
        with transaction(rt.sessions) as s:
            s.execute(delete(AttachmentDiscard).where(AttachmentDiscard.sha256 == key,
                                                      AttachmentDiscard.created_at <= started))
        settled += 1
    return settled


def discard_left_over(rt, older_than) -> int:
    """The sweeper's part: refused bytes whose turn committed before `older_than` and that
    are still waiting (their worker died before `discard`, or the store was down)."""
    with transaction(rt.sessions) as s:
        keys = list(s.scalars(select(AttachmentDiscard.sha256)
                              .where(AttachmentDiscard.created_at < older_than)
                              .order_by(AttachmentDiscard.id).limit(500)))
    return discard(rt, keys) if keys else 0
