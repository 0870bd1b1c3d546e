"""The embedded operator registry: the plan's own data when it has no API of its own."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

Money = Numeric(12, 2)


class Beneficiary(Base):
    __tablename__ = "reg_beneficiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    cpf: Mapped[str] = mapped_column(String(11), unique=True)
    birth_date: Mapped[date | None]  # None: a new holder registered from a troca (not asked)
    phones: Mapped[list] = mapped_column(default=list)  # E.164 strings
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[dict] = mapped_column(default=dict)  # street, number, district, city, state, zip
    plan: Mapped[str] = mapped_column(String(120))
    card_number: Mapped[str] = mapped_column(String(30), unique=True)
    holder_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # None: titular
    marital_status: Mapped[str | None] = mapped_column(String(30))  # atualização cadastral
    # -- contract changes applied after a document review (migration 0300) --
    # active | deceased (troca after the holder's death) | transferred (troca, holder alive)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    status_since: Mapped[date | None]  # the day a troca ended this row's membership
    student_until: Mapped[date | None]  # maioridade: a dependent kept as a student until then


class BeneficiaryPhone(Base):
    """Phone → beneficiary lookup index (a JSON list cannot be indexed portably)."""

    __tablename__ = "reg_beneficiary_phones"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("reg_beneficiaries.id"), primary_key=True)


class FinancialTitle(Base):
    __tablename__ = "reg_titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("reg_beneficiaries.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(160))
    competence: Mapped[date]  # first day of the billing month
    due_date: Mapped[date]
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    fine: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|paid|cancelled|negotiated
    paid_at: Mapped[date | None]  # when status is paid and the registry knows the day
    our_number: Mapped[str] = mapped_column(String(17))


class Provider(Base):
    __tablename__ = "reg_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160))  # clinic / practice
    professional: Mapped[str] = mapped_column(String(160))
    specialty: Mapped[str] = mapped_column(String(40), index=True)  # specialty code
    council_id: Mapped[str | None] = mapped_column(String(30))  # CRM/CRO + UF
    address: Mapped[str] = mapped_column(String(240))
    city: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(20))


class Slot(Base):
    __tablename__ = "reg_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("reg_providers.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # operator local time
    duration_minutes: Mapped[int] = mapped_column(default=30)
    status: Mapped[str] = mapped_column(String(20), default="free")  # free|held|booked
    booking_ref: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=0)


class Guide(Base):
    """Authorization (guia) of a procedure."""

    __tablename__ = "reg_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("reg_beneficiaries.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_name: Mapped[str] = mapped_column(String(200))
    requesting_doctor: Mapped[str | None] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(30))  # em_analise|autorizada|negada
    reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[date]
    deadline: Mapped[date | None]
    # -- procedure requests through the bot (migration 0013) --
    valid_until: Mapped[date | None]  # an authorized guide's validity
    clause: Mapped[str | None] = mapped_column(Text)  # contract clause of a denial
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # Idempotency-Key
    category: Mapped[str | None] = mapped_column(String(30))  # config/procedures categories
    updated_at: Mapped[datetime | None]


class IssuedBill(Base):
    """A boleto the embedded issuer generated (e.g. an agreement's entrada)."""

    __tablename__ = "reg_issued_bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("reg_beneficiaries.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[date]
    our_number: Mapped[str] = mapped_column(String(17))
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")  # open|paid|cancelled
    created_at: Mapped[datetime]


class Coverage(Base):
    """The embedded operator's authorization policy per TUSS code (what its auditors and
    contract say); a code not listed goes to audit."""

    __tablename__ = "reg_coverage"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    category: Mapped[str] = mapped_column(String(30))
    audit: Mapped[bool] = mapped_column(default=True)
    covered: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str | None] = mapped_column(Text)  # of a denial
    clause: Mapped[str | None] = mapped_column(Text)
    validity_days: Mapped[int] = mapped_column(default=30)


class BillItem(Base):
    """A line of a bill (a co-participation charge): what a dispute is about."""

    __tablename__ = "reg_bill_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("reg_titles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="coparticipacao")
    description: Mapped[str] = mapped_column(String(200))
    service_date: Mapped[date | None]
    provider: Mapped[str | None] = mapped_column(String(160))
    patient_ref: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)


class RegContractChange(Base):
    """A contract change the registry applied (maioridade, troca de titularidade): the
    operator's own history of it, and the record that makes a repeated write a no-op."""

    __tablename__ = "reg_contract_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # maioridade | troca_titularidade
    beneficiary_ref: Mapped[str] = mapped_column(String(64), index=True)
    protocol: Mapped[str] = mapped_column(String(64))
    effective_on: Mapped[date]
    details: Mapped[dict] = mapped_column(default=dict)  # what changed (refs, dates)
    applied_at: Mapped[datetime]
