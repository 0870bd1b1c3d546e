"""Beneficiary cancellations (RN 561/2022) and dental-network retention cases (seed 001).

`Cancellation`, `RetentionCase` and `RetentionContact` are ours; the `reg_*` tables are
the embedded operator registry's side (what the operator's API holds in production).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

Money = Numeric(12, 2)


class Cancellation(Base):
    """A beneficiary's cancellation request, registered with the operator at once (or,
    when its systems are down, by the journey's due work until it is)."""

    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_number: Mapped[str] = mapped_column(String(40), unique=True)
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    dependent_refs: Mapped[list] = mapped_column(default=list)  # cancelled with the holder
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending|registered
    registered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    proof_sent_at: Mapped[datetime | None]
    offer: Mapped[str | None] = mapped_column(String(60))  # the retention offer shown, if any
    offer_answer: Mapped[str | None] = mapped_column(String(20))  # accepted|declined|ignored


class RegCancellation(Base):
    """Embedded registry: cancellations the operator has on record."""

    __tablename__ = "reg_cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    protocol_number: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime]
    dependent_refs: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegIndicator(Base):
    """Embedded registry: a beneficiary's loss ratio (sinistralidade), from the CRM."""

    __tablename__ = "reg_indicators"

    beneficiary_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    loss_ratio_pct: Mapped[Decimal] = mapped_column(Numeric(7, 2))


class RegDentalProvider(Base):
    """Embedded registry: an accredited dentist or dental clinic (the network)."""

    __tablename__ = "reg_dental_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))  # dentist or clinic
    kind: Mapped[str] = mapped_column(String(1))  # F (pessoa física) | J (jurídica)
    cro: Mapped[str] = mapped_column(String(12))
    uf: Mapped[str] = mapped_column(String(2))
    cnpj: Mapped[str | None] = mapped_column(String(14))
    cpf: Mapped[str | None] = mapped_column(String(11))
    city: Mapped[str] = mapped_column(String(80))
    phones: Mapped[list] = mapped_column(default=list)  # E.164
    emails: Mapped[list] = mapped_column(default=list)  # lower case
    areas: Mapped[list] = mapped_column(default=list)  # published areas (codes)
    included_on: Mapped[date | None]


class RegDentalContact(Base):
    """Phone / e-mail → dental provider lookup index."""

    __tablename__ = "reg_dental_contacts"

    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    provider_ref: Mapped[str] = mapped_column(String(64), primary_key=True)


class RetentionCase(Base):
    """The seed-001 form ("Formulário – Processo de Retenção") as data."""

    __tablename__ = "retention_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_number: Mapped[str] = mapped_column(String(40), unique=True)
    provider_ref: Mapped[str] = mapped_column(String(64), index=True)
    operator: Mapped[str] = mapped_column(String(80))
    cro: Mapped[str] = mapped_column(String(12))
    uf: Mapped[str] = mapped_column(String(2))
    dentist_name: Mapped[str] = mapped_column(String(160))
    cnpj: Mapped[str | None] = mapped_column(String(14))
    cpf: Mapped[str | None] = mapped_column(String(11))
    included_on: Mapped[date | None]
    kind: Mapped[str] = mapped_column(String(1))  # F | J
    requested_by: Mapped[str] = mapped_column(String(40))  # Prestador | Operadora
    opened_on: Mapped[date]  # the request (protocol opening) date: the clause counts from it
    city: Mapped[str] = mapped_column(String(80), index=True)
    lives: Mapped[int] = mapped_column(default=0)
    unique_cros: Mapped[int] = mapped_column(default=0)
    other_plans: Mapped[list] = mapped_column(default=list)
    currency_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    last_production_on: Mapped[date | None]
    last_production_value: Mapped[Decimal | None] = mapped_column(Money)
    areas: Mapped[dict] = mapped_column(default=dict)  # area code -> dentists in it
    actions: Mapped[list] = mapped_column(default=list)  # retention actions offered
    action_justification: Mapped[str | None] = mapped_column(Text)  # required with "outros"
    reason: Mapped[str | None] = mapped_column(String(60))  # confirmed by the attendant
    suggested_reason: Mapped[str | None] = mapped_column(String(60))  # read from a reply
    competitors_searched: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|replied|closed
    outcome: Mapped[str | None] = mapped_column(String(20))  # retained|left|partial
    kept_areas: Mapped[list] = mapped_column(default=list)  # partial: areas still published
    replied_at: Mapped[datetime | None]
    reply_channel: Mapped[str | None] = mapped_column(String(20))
    plan_side_until: Mapped[datetime | None]  # a dentist-beneficiary chose the plan for now
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetentionContact(Base):
    """One contact of the cadence on one channel: planned, then sent once (its
    idempotency key is the case, the contact's number and the channel)."""

    __tablename__ = "retention_contacts"
    __table_args__ = (UniqueConstraint("case_id", "number", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("retention_cases.id"), index=True)
    number: Mapped[int]  # 1..4
    channel: Mapped[str] = mapped_column(String(20))  # whatsapp | email
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(254))
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned|sent|skipped
    text: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
