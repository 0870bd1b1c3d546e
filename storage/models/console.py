"""The attendants' web console: its accounts and the audit log of what they did."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

ROLES = ("attendant", "supervisor", "admin")


class ConsoleUser(Base):
    """A person who signs in to /console. Each one is also an `attendants` row, so the
    handoff functions (take, reply, release) and the protocol history name them."""

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(254), unique=True)  # e-mail, lower case
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="attendant")
    active: Mapped[bool] = mapped_column(default=True)
    attendant_id: Mapped[int] = mapped_column(ForeignKey("attendants.id"), unique=True)
    # Bumped by "sair de todos os dispositivos" and by a password reset: every session
    # signed in with an older version stops working at its next request.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what, when, to which conversation (take, reply, release, transfer, reveal,
    login…). Written in the same transaction as the action it records."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    what: Mapped[str | None] = mapped_column(String(200))  # e.g. the field revealed
    details: Mapped[dict] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
