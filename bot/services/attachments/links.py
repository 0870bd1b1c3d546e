"""Attendants open a person's file only through a signed, expiring link bound to them,
and every opening is recorded (who, when): attachments are never public (LGPD)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import BinaryIO

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from bot.platform import clock
from storage.models import Attachment, AttachmentView

from .inspect import EXTENSIONS
from .store import AttachmentStore, MissingAttachment

SALT = "planbot-attachment-view"  # apart from outbound bills' links (bot/media.py)


class _ClockTimestampSigner(TimestampSigner):
    """Link age measured with bot.platform.clock, the one source of time (tests can move it)."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=timezone.utc).timestamp())


def _serializer(settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT, signer=_ClockTimestampSigner)


@dataclass(frozen=True)
class ViewGrant:
    attachment_id: int
    attendant_id: int


class ViewRefused(Exception):
    """reason: invalid_link (forged, expired, malformed) | other_attendant | not_found |
    deleted (removed by retention)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def view_token(settings, attachment_id: int, attendant_id: int) -> str:
    return _serializer(settings).dumps({"a": attachment_id, "v": attendant_id})


def view_path(settings, attachment_id: int, attendant_id: int) -> str:
    """The app-relative path the attendants' handler serves (`/attachments/<token>`)."""
    return f"/attachments/{view_token(settings, attachment_id, attendant_id)}"


def view_url(settings, attachment_id: int, attendant_id: int) -> str:
    return settings.public_base_url + view_path(settings, attachment_id, attendant_id)


def verify_view_token(settings, token: str) -> ViewGrant | None:
    """The grant a link carries, or None when forged, altered or older than
    MEDIA_URL_TTL_SECONDS."""
    try:
        data = _serializer(settings).loads(token, max_age=settings.media_url_ttl_seconds)
        grant = ViewGrant(attachment_id=int(data["a"]), attendant_id=int(data["v"]))
    except (SignatureExpired, BadSignature, KeyError, TypeError, ValueError):
        return None
    return grant


def record_view(session: Session, attachment_id: int, attendant_id: int) -> AttachmentView:
    view = AttachmentView(attachment_id=attachment_id, attendant_id=attendant_id,
                          viewed_at=clock.now())
    session.add(view)
    session.flush()
    return view


def open_for_attendant(session: Session, store: AttachmentStore, settings, token: str,
                       attendant_id: int) -> tuple[Attachment, BinaryIO]:
    """For the attendants' handler, after it authenticated `attendant_id`: checks the link
    is theirs and alive, records the view in `session` (the caller commits before
    streaming), and returns the row (mime, file name) with the file's stream.

    Raises ViewRefused; StoreUnavailable when the store cannot be reached."""
    grant = verify_view_token(settings, token)
    if grant is None:
        raise ViewRefused("invalid_link")
    if grant.attendant_id != attendant_id:
        # A link forwarded to someone else does not open: the record must say who saw it.
        raise ViewRefused("other_attendant")
    attachment = session.get(Attachment, grant.attachment_id)
    if attachment is None:
        raise ViewRefused("not_found")
    if attachment.deleted_at is not None:
        raise ViewRefused("deleted")
    try:
        stream = store.open(attachment.sha256)
    except MissingAttachment as exc:
        raise ViewRefused("deleted") from exc
    record_view(session, attachment.id, attendant_id)
    return attachment, stream


def download_name(attachment: Attachment) -> str:
    """A file name for the viewer: never the person's own (it may carry their name or
    CPF into a browser's history), only the kind and our id."""
    return f"anexo-{attachment.id}.{EXTENSIONS.get(attachment.mime, 'bin')}"
