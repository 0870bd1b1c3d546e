"""Document cases: a registration update, a maioridade or a troca de titularidade that
needs documents reviewed by the registration team, and each document in it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class DocumentCase(Base):
    __tablename__ = "document_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol: Mapped[str] = mapped_column(String(64), unique=True)  # the ANS protocol number
    kind: Mapped[str] = mapped_column(String(30))  # registration | maioridade | troca_titularidade
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    # collecting: waiting for documents; in_review; resubmit: some rejected, waiting for them
    # again; applied: approved and written to the registry; closed: abandoned or cancelled
    status: Mapped[str] = mapped_column(String(20), default="collecting", index=True)
    # [{"type": "address", "value": {...}}, ...]: what the case changes, validated values
    changes: Mapped[list] = mapped_column(default=list)
    # the checklist: [{"code", "label", "hint"}], from config/ when the case opened
    items: Mapped[list] = mapped_column(default=list)
    review_due: Mapped[date | None]  # the answer deadline told to the person
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class CaseDocument(Base):
    """One file given as one checklist item of a case, and its review."""

    __tablename__ = "case_documents"
    __table_args__ = (UniqueConstraint("case_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("document_cases.id"), index=True)
    item: Mapped[str] = mapped_column(String(40))  # the checklist item's code
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|approved|rejected
    reason: Mapped[str | None] = mapped_column(String(40))  # a code of config/cases/reasons.yaml
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("attendants.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
