"""Files people sent us (the bytes live in the attachment store under their SHA-256) and
every time an attendant opened one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Attachment(Base):
    __tablename__ = "attachments"
    # A re-run job or a retried webhook finds the row it made before: never attached twice.
    __table_args__ = (UniqueConstraint("inbound_message_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the store's key
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(100))  # detected from the bytes
    kind: Mapped[str] = mapped_column(String(20))  # pdf | image
    original_filename: Mapped[str | None] = mapped_column(String(255))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"),
                                                        index=True)
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    case_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # protocol number
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The file was removed from the store (retention); the row and its hash stay.
    deleted_at: Mapped[datetime | None]


class AttachmentView(Base):
    __tablename__ = "attachment_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AttachmentDiscard(Base):
    """Bytes a turn refused (stored by the e-mail webhook, refused by the full check), to
    leave the store. Written in the refusing turn's transaction; removed once the bytes
    are gone. A worker that dies before deleting them, or a store that is down, leaves the
    row for the sweeper: nothing stays in the store that no row accounts for."""

    __tablename__ = "attachment_discards"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the store's key
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
