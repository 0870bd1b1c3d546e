"""Procedure requests, the guides the bot follows, the operator's status events, and
billing disputes (bot/flows/procedures, guides, disputes)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ProcedureRequest(Base):
    """A request collected in chat, kept until the operator registered it (its API may be
    down: the due work retries, with the protocol as the Idempotency-Key)."""

    __tablename__ = "procedure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_number: Mapped[str] = mapped_column(String(40), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    requested_by_ref: Mapped[str] = mapped_column(String(64))
    patient_ref: Mapped[str] = mapped_column(String(64), index=True)
    procedure_code: Mapped[str | None] = mapped_column(String(8))
    procedure_text: Mapped[str] = mapped_column(String(200))
    doctor: Mapped[dict] = mapped_column(default=dict)  # name, council, number, uf
    files: Mapped[list] = mapped_column(default=list)  # [{url|ref, content_type}]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|registered
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    guide_number: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None]


class GuideTracking(Base):
    """A guide the bot follows for its person: the last status told, the answer deadline
    and whether the attendants were alerted before it."""

    __tablename__ = "guide_tracking"

    number: Mapped[str] = mapped_column(String(30), primary_key=True)
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    protocol_number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    deadline: Mapped[date | None]
    last_event_at: Mapped[datetime | None]  # the operator's time of the last applied change
    alerted_at: Mapped[datetime | None]
    polled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuideEvent(Base):
    """One status change of a guide, pushed or polled, stored once (unique event id)."""

    __tablename__ = "guide_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(120), unique=True)
    guide_number: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(10))  # push | poll
    occurred_at: Mapped[datetime]
    applied: Mapped[bool] = mapped_column(default=True)  # False: older than one applied
    payload: Mapped[dict] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class BillingDispute(Base):
    """A contested charge: with contas médicas until its outcome, then (undue) the credit
    option the person chose."""

    __tablename__ = "billing_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_number: Mapped[str] = mapped_column(String(40), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    title_ref: Mapped[str | None] = mapped_column(String(64))
    competence: Mapped[date | None]
    linha_digitavel: Mapped[str | None] = mapped_column(String(60))
    items: Mapped[list] = mapped_column(default=list)  # the chosen bill items
    description: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[list] = mapped_column(default=list)
    deadline: Mapped[date]
    # with_team -> valid | undue -> credit_chosen ; closed
    status: Mapped[str] = mapped_column(String(20), default="with_team")
    outcome_note: Mapped[str | None] = mapped_column(Text)
    credit_option: Mapped[str | None] = mapped_column(String(20))  # current | future
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
