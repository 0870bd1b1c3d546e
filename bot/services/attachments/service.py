"""The one call the worker makes for a message with media: download each item from
Twilio, check it by its bytes, store it content-addressed and attach it to the
conversation (and case) as a row. Safe to run again for the same message: the same file is
never stored twice nor attached twice.

Failures split in two, so the caller knows what to do:
- a refusal (wrong type, too large, truncated, encrypted PDF, tiny or blank image, a URL
  that is not our Twilio media) comes back as a Received with accepted=False and a reason
  code, for the journey to answer the person at once;
- a passing fault (Twilio still propagating the media, a timeout, the store down) is
  raised (RetryableDownloadError, StoreUnavailable): the job is retried with backoff and,
  since the caller's transaction rolls back, nothing is attached and the person is never
  told "recebido" for a file that was not stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.platform import clock
from storage.models import Attachment

from .download import MediaRefused, download_media
from .inspect import ACCEPTED_LABEL, Inspection, inspect_bytes
from .store import AttachmentStore

# Twilio usually serves new media within seconds of the webhook: three more tries over
# about a minute, then the person is asked to send the file again.
DOWNLOAD_RETRY_INTERVALS = (5, 15, 45)


def download_retry():
    """The RQ Retry for the job that calls receive() (it raises RetryableDownloadError or
    StoreUnavailable for passing faults)."""
    from rq import Retry

    return Retry(max=len(DOWNLOAD_RETRY_INTERVALS), interval=list(DOWNLOAD_RETRY_INTERVALS))


@dataclass(frozen=True)
class InboundMedia:
    """One MediaUrlN / MediaContentTypeN pair of a webhook (the declared type is kept for
    logs only; the bytes decide)."""

    url: str
    declared_type: str | None = None
    filename: str | None = None


@dataclass(frozen=True)
class Received:
    media: InboundMedia
    inspection: Inspection | None  # None when the download itself was refused
    attachment_id: int | None  # the row, when accepted and stored
    reason: str | None  # refusal reason code, None when accepted

    @property
    def accepted(self) -> bool:
        return self.reason is None

    @property
    def accepted_formats(self) -> str:
        return ACCEPTED_LABEL


def as_inbound_media(items: Iterable) -> list[InboundMedia]:
    """From what the inbox keeps (dicts with url/content_type) or channel Attachments."""
    result = []
    for item in items:
        if isinstance(item, InboundMedia):
            result.append(item)
        elif isinstance(item, dict):
            result.append(InboundMedia(url=item["url"], declared_type=item.get("content_type"),
                                       filename=item.get("filename")))
        else:
            result.append(InboundMedia(url=item.url,
                                       declared_type=getattr(item, "content_type", None)))
    return result


def receive(session: Session, store: AttachmentStore, settings, media: Sequence, *,
            conversation_id: int | None, inbound_message_id: int | None,
            message_sid: str | None = None, case_ref: str | None = None,
            http: requests.Session | None = None) -> list[Received]:
    """One Received per item, in the message's order. Rows are added to `session` (the
    caller's transaction commits them with the turn).

    Raises RetryableDownloadError or StoreUnavailable for passing faults (retry the job).
    """
    results = []
    for item in as_inbound_media(media):
        try:
            downloaded = download_media(
                item.url, account_sid=settings.twilio_account_sid,
                auth_token=settings.twilio_auth_token, message_sid=message_sid,
                max_bytes=settings.attachments_max_bytes, http=http)
        except MediaRefused as refused:
            results.append(Received(item, None, None, refused.reason_code))
            continue
        inspection = inspect_bytes(downloaded.body, min_pixels=settings.attachments_min_pixels,
                                   max_bytes=settings.attachments_max_bytes)
        if not inspection.accepted:
            results.append(Received(item, inspection, None, inspection.reasons[0]))
            continue
        key = store.put(downloaded.body)  # raises StoreUnavailable: nothing recorded
        row = _attach(session, inspection, key, item, conversation_id=conversation_id,
                      inbound_message_id=inbound_message_id, case_ref=case_ref)
        results.append(Received(item, inspection, row.id, None))
    return results


def _attach(session: Session, inspection: Inspection, key: str, item: InboundMedia, *,
            conversation_id, inbound_message_id, case_ref) -> Attachment:
    # One conversation is processed at a time, so looking first is enough to find the row
    # an earlier run of this same message made (the unique constraint backs it up).
    existing = None
    if inbound_message_id is not None:
        existing = session.scalars(select(Attachment).where(
            Attachment.inbound_message_id == inbound_message_id, Attachment.sha256 == key)
        ).first()
    if existing is not None:
        return existing
    row = Attachment(sha256=key, size=inspection.size, mime=inspection.mime,
                     kind=inspection.kind, original_filename=_filename(item.filename),
                     conversation_id=conversation_id, inbound_message_id=inbound_message_id,
                     case_ref=case_ref, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def _filename(name: str | None) -> str | None:
    return name[:255] if name else None


def attach_to_case(session: Session, attachment_ids: Iterable[int], case_ref: str) -> None:
    """When the journey learns which case a file belongs to after it arrived."""
    for row in session.scalars(select(Attachment).where(Attachment.id.in_(list(attachment_ids)))):
        row.case_ref = case_ref
    session.flush()


def record_stored(session: Session, item: dict, *, conversation_id: int | None,
                  inbound_message_id: int | None, case_ref: str | None = None) -> Attachment:
    """A file already checked and stored when it arrived (e-mail attachments, see
    `stored_item`) becomes its row, once: a re-run finds the row it made before."""
    existing = None
    if inbound_message_id is not None:
        existing = session.scalars(select(Attachment).where(
            Attachment.inbound_message_id == inbound_message_id,
            Attachment.sha256 == item["sha256"])).first()
    if existing is not None:
        if case_ref and not existing.case_ref:
            existing.case_ref = case_ref
        return existing
    row = Attachment(sha256=item["sha256"], size=item["size"], mime=item["content_type"],
                     kind=item["kind"], original_filename=_filename(item.get("filename")),
                     conversation_id=conversation_id, inbound_message_id=inbound_message_id,
                     case_ref=case_ref, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def stored_item(inspection: Inspection, key: str, filename: str | None, *,
                checked: bool = True) -> dict:
    """What an inbound row keeps of a stored file (`record_stored` reads it). `checked`
    False: only `sniff`ed (type and size) by the webhook; the worker inspects the stored
    bytes in full before the file reaches a journey (bot/pipeline/media.py)."""
    return {"url": f"attachment:sha256:{key}", "content_type": inspection.mime,
            "sha256": key, "size": inspection.size, "kind": inspection.kind,
            "filename": _filename(filename), "checked": checked}
