"""The conversation engine's own tables: inbox, outbox, conversations, protocols, attendants."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))  # E.164 phone or e-mail
    beneficiary_ref: Mapped[str | None] = mapped_column(String(64))
    flow: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(60))
    data: Mapped[dict] = mapped_column(default=dict)
    misunderstandings: Mapped[int] = mapped_column(default=0)
    identity_verified_at: Mapped[datetime | None]
    identity_failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None]
    # None: the bot answers; "waiting": queued for a human; "attendant": a human owns it
    handoff: Mapped[str | None] = mapped_column(String(20))
    handoff_reason: Mapped[str | None] = mapped_column(String(200))
    attendant_id: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    escalated_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_inbound_pending", "status", "conversation_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(120))
    conversation_key: Mapped[str] = mapped_column(String(300), index=True)
    sender: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text, default="")
    # Text, not String(n): Twilio does not bound ButtonPayload/ListId, and a too-long value
    # failing the INSERT would answer 500 and lose the message to Twilio's retries.
    payload: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(default=list)
    raw: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="received")  # received|processed|failed
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    # Its files could not be fetched yet (bot/pipeline/media.py): not tried before this.
    retry_at: Mapped[datetime | None]
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_pending", "status", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(String(200))
    media: Mapped[list] = mapped_column(default=list)  # [{"kind": "bill", "ref": "..."}]
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict | None]
    author: Mapped[str] = mapped_column(String(20), default="bot")  # bot|attendant|system
    # pending -> sending -> sent -> delivered/read | failed/undelivered; local (offline mode);
    # skipped (deliberately not sent, reason in error_message)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sending_started_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    status_updated_at: Mapped[datetime | None]


class Protocol(Base):
    __tablename__ = "protocols"
    # bot.services.protocols.recent_for: a beneficiary's latest protocols, newest first,
    # read from the index (LIMIT n) instead of sorting all of them.
    __table_args__ = (Index("ix_protocols_recent", "beneficiary_ref", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    journey: Mapped[str] = mapped_column(String(40))
    beneficiary_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    status: Mapped[str] = mapped_column(String(30), default="aberto")
    details: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    events: Mapped[list["ProtocolEvent"]] = relationship(
        back_populates="protocol", order_by="ProtocolEvent.id", cascade="all, delete-orphan"
    )


class ProtocolEvent(Base):
    __tablename__ = "protocol_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    protocol: Mapped[Protocol] = relationship(back_populates="events")


class ProtocolSequence(Base):
    """Daily counter per operator: the row lock makes numbers unique across workers."""

    __tablename__ = "protocol_sequences"

    ans_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class Attendant(Base):
    __tablename__ = "attendants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
