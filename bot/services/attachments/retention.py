"""LGPD retention: a configurable number of days after a case closes, its files leave the
store; the rows stay, with their hashes, size and type, and deleted_at set. A file sent
outside any case (kept with the conversation for an attendant) goes the same number of
days after it arrived. Running it again does nothing more (idempotent)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.platform import clock
from bot.services.protocols import CLOSED_STATUSES
from storage.models import Attachment, Protocol

from .store import AttachmentStore


@dataclass(frozen=True)
class PurgeReport:
    rows_marked: int
    files_deleted: int


def expired_attachments(session: Session, retention_days: int,
                        now: datetime | None = None) -> list[Attachment]:
    """Live rows whose case closed (or, with no case, which arrived) before the cut-off.
    A case is a protocol: closed in one of CLOSED_STATUSES, closed when last updated."""
    cutoff = (now or clock.now()) - timedelta(days=retention_days)
    closed_long_ago = (select(Protocol.number)
                       .where(Protocol.status.in_(CLOSED_STATUSES), Protocol.updated_at < cutoff))
    return list(session.scalars(
        select(Attachment)
        .where(Attachment.deleted_at.is_(None),
               or_(Attachment.case_ref.in_(closed_long_ago),
                   and_(Attachment.case_ref.is_(None), Attachment.created_at < cutoff)))
        .order_by(Attachment.id)
    ))


def purge_expired(session: Session, store: AttachmentStore, retention_days: int,
                  now: datetime | None = None) -> PurgeReport:
    """Delete the expired files and mark their rows; the caller commits.

    Content-addressed: the same bytes may belong to another, still-open case (the same RG
    sent twice), so a file is deleted only when no live row outside this batch uses it.
    Files go first, rows after: a crash in between leaves live rows whose file is gone,
    which the next run marks (deleting an absent file is not an error)."""
    now = now or clock.now()
    expired = expired_attachments(session, retention_days, now)
    if not expired:
        return PurgeReport(0, 0)
    expired_ids = {row.id for row in expired}
    deleted = 0
    for sha256 in sorted({row.sha256 for row in expired}):
        still_used = session.scalars(
            select(Attachment.id).where(Attachment.sha256 == sha256,
                                        Attachment.deleted_at.is_(None),
                                        Attachment.id.not_in(expired_ids)).limit(1)
        ).first()
        if still_used is None and store.delete(sha256):
            deleted += 1
    for row in expired:
        row.deleted_at = now
    session.flush()
    return PurgeReport(rows_marked=len(expired), files_deleted=deleted)
