"""The files of an inbound message, fetched inside its turn (never in the webhook).

`fetch` downloads, checks and stores each WhatsApp media item through
bot.services.attachments, in the turn's transaction, and hands the engine what it may
show a flow: the accepted files (engine.File) and a refusal reason for each of the
others. A passing fault (Twilio still propagating the media, a timeout, the store down)
raises MediaNotReady: the whole turn rolls back — no row attached, no "recebido" — and
process.py tries the message again after DOWNLOAD_RETRY_INTERVALS. After the last try
what still cannot be fetched is answered as "send it again" and the turn goes on.
"""
from __future__ import annotations

from bot.engine import File
from bot.services.attachments import (
    DOWNLOAD_RETRY_INTERVALS,
    RetryableDownloadError,
    StoreUnavailable,
    receive,
    store_from_settings,
)
from storage.models import Attachment, Conversation, InboundMessage

# Voice notes and videos are never documents: left to the engine's "escreva" answer.
_NOT_DOCUMENTS = ("audio", "video")
DOWNLOAD_FAILED = "download_failed"


class MediaNotReady(Exception):
    """Try this message again later (see DOWNLOAD_RETRY_INTERVALS)."""


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


def fetch(s, rt, conversation: Conversation, msg: InboundMessage
          ) -> tuple[tuple[File, ...], tuple[str, ...]]:
    items = documents_in(msg)
    if not items:
        return (), ()
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
        row = s.get(Attachment, received.attachment_id)
        files.append(File(attachment_id=row.id, kind=row.kind, mime=row.mime, size=row.size,
                          filename=row.original_filename))
    return tuple(files), tuple(refused)
