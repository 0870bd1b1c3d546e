"""The e-mail channel's own tables: the Message-IDs we sent (threads) and bounced addresses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# RFC 5322 lines are at most 998 characters; a Message-ID is one header on one line.
MESSAGE_ID_MAX = 998


class EmailSent(Base):
    """One outbox row sent by e-mail: its stable Message-ID, fixed at the first attempt
    (a resend carries the same headers), and whom it went to — a reply naming this
    Message-ID threads only when it comes from that address."""

    __tablename__ = "email_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_id: Mapped[int] = mapped_column(ForeignKey("outbound_messages.id"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID_MAX), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text, default="")
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    protocol_number: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailBounce(Base):
    """An address a delivery-status notification said is undeliverable (the latest one)."""

    __tablename__ = "email_bounces"

    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # DSN status, e.g. 5.1.1
    diagnostic: Mapped[str | None] = mapped_column(Text)  # e.g. "smtp; 550 5.1.1 user unknown"
    bounce_message_id: Mapped[str | None] = mapped_column(Text)
    bounced_at: Mapped[datetime] = mapped_column(default=utcnow)
