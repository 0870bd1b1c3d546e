"""Debt agreements made in chat, and outbound negotiation campaigns."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

Money = Numeric(12, 2)


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_number: Mapped[str] = mapped_column(String(40), index=True)
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    title_code: Mapped[str] = mapped_column(String(3))
    title_refs: Mapped[list] = mapped_column(default=list)
    kind: Mapped[str] = mapped_column(String(20))  # cash | installments
    original: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)  # sum of the boletos
    entrada: Mapped[Decimal | None] = mapped_column(Money)
    installments: Mapped[int] = mapped_column(default=0)
    installment: Mapped[Decimal | None] = mapped_column(Money)
    due_date: Mapped[date]  # of the next unpaid boleto (first boleto at creation)
    boletos: Mapped[list] = mapped_column(default=list)  # [{number, due_date, amount, bill_ref}]
    delivery: Mapped[str] = mapped_column(String(20))  # whatsapp | email
    delivery_address: Mapped[str] = mapped_column(String(254))
    address_note: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|paid|broken
    reissue_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # negotiation
    rate_per_second: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    started_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignTarget(Base):
    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "beneficiary_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    beneficiary_ref: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"), index=True)
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|skipped
