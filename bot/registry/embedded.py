"""The operator registry on our own tables (embedded mode and demo data)."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.language import phones
from bot.platform import clock
from bot.platform.calendar import is_holiday
from bot.services import boleto
from storage.models import (
    Beneficiary,
    BeneficiaryPhone,
    FinancialTitle,
    Guide,
    IssuedBill,
    Provider,
    Slot,
)

from .base import (
    BeneficiaryInfo,
    Bill,
    GuideInfo,
    ProviderInfo,
    SlotInfo,
    SlotQuery,
    SlotTaken,
    TitleInfo,
)
from .embedded_contracts import EmbeddedContracts
from .embedded_network import EmbeddedNetwork
from .embedded_procedures import EmbeddedProcedures, guide_info
from .reads import LOOKUP

# The embedded issuer is a demo bank agreement; a real operator issues through its API.
DEMO_BANK_CODE = "001"
DEMO_AGREEMENT = "123456"
# Who a lookup finds: a holder whose membership a troca ended (deceased, transferred) is
# kept for the record and reached by ref only.
ACTIVE = Beneficiary.status == "active"


class EmbeddedRegistry(EmbeddedProcedures, EmbeddedNetwork, EmbeddedContracts):
    def __init__(self, sessions: sessionmaker[Session], session: Session | None = None):
        self._sessions = sessions
        self._session = session

    def bind(self, session: Session) -> "EmbeddedRegistry":
        """Work inside the caller's transaction, so bookings commit with the reply."""
        return EmbeddedRegistry(self._sessions, session)

    @property
    def s(self) -> Session:
        if self._session is None:
            self._session = self._sessions()
        return self._session

    # -- beneficiaries -------------------------------------------------------------
    def beneficiary_by_phone(self, phone: str) -> BeneficiaryInfo | None:
        # The loader stores E.164 with the ninth digit; WhatsApp may deliver either spelling.
        row = self.s.scalars(
            select(Beneficiary).join(BeneficiaryPhone)
            .where(BeneficiaryPhone.phone.in_(phones.variants(phone)), ACTIVE)
            .order_by(Beneficiary.holder_ref.is_not(None), Beneficiary.id),
            execution_options=LOOKUP,
        ).first()
        return _beneficiary(row) if row else None

    def beneficiary_by_email(self, address: str) -> BeneficiaryInfo | None:
        row = self.s.scalars(
            select(Beneficiary).where(func.lower(Beneficiary.email) == address.strip().lower(), ACTIVE)
            .order_by(Beneficiary.holder_ref.is_not(None), Beneficiary.id),
            execution_options=LOOKUP,
        ).first()
        return _beneficiary(row) if row else None

    def beneficiary_by_cpf(self, cpf: str) -> BeneficiaryInfo | None:
        row = self.s.scalars(select(Beneficiary).where(Beneficiary.cpf == cpf, ACTIVE),
                             execution_options=LOOKUP).first()
        return _beneficiary(row) if row else None

    def beneficiary(self, ref: str) -> BeneficiaryInfo | None:
        row = self._beneficiary_row(ref)
        return _beneficiary(row) if row else None

    def dependents(self, holder_ref: str) -> list[BeneficiaryInfo]:
        rows = self.s.scalars(
            select(Beneficiary).where(Beneficiary.holder_ref == holder_ref, ACTIVE)
            .order_by(Beneficiary.id), execution_options=LOOKUP,
        )
        return [_beneficiary(r) for r in rows]

    def _beneficiary_row(self, ref: str) -> Beneficiary | None:
        return self.s.scalars(select(Beneficiary).where(Beneficiary.ref == ref),
                              execution_options=LOOKUP).first()

    # -- financial -----------------------------------------------------------------
    def titles(self, beneficiary_ref: str, statuses: tuple[str, ...] = ("open",),
               competence_from: date | None = None) -> list[TitleInfo]:
        stmt = (
            select(FinancialTitle).join(Beneficiary)
            .where(Beneficiary.ref == beneficiary_ref, FinancialTitle.status.in_(statuses))
            .order_by(FinancialTitle.competence.desc(), FinancialTitle.id)
        )
        if competence_from is not None:
            stmt = stmt.where(FinancialTitle.competence >= competence_from)
        rows = self.s.scalars(stmt, execution_options=LOOKUP)
        return [_title(r, beneficiary_ref) for r in rows]

    def title(self, ref: str) -> TitleInfo | None:
        row = self.s.scalars(select(FinancialTitle).where(FinancialTitle.ref == ref)).first()
        if row is None:
            return None
        owner = self.s.get(Beneficiary, row.beneficiary_id)
        return _title(row, owner.ref)

    def bill_for_title(self, title_ref: str) -> Bill:
        t = self.title(title_ref)
        if t is None:
            raise LookupError(title_ref)
        return _make_bill(f"title-{t.ref}", t.beneficiary_ref, t.description, t.amount,
                          t.due_date, t.our_number, t.competence, t.code)

    def bill(self, bill_ref: str) -> Bill | None:
        if bill_ref.startswith("title-"):
            try:
                return self.bill_for_title(bill_ref.removeprefix("title-"))
            except LookupError:
                return None
        row = self.s.scalars(select(IssuedBill).where(IssuedBill.ref == bill_ref)).first()
        if row is None:
            return None
        owner = self.s.get(Beneficiary, row.beneficiary_id)
        return _make_bill(row.ref, owner.ref, row.description, row.amount, row.due_date,
                          row.our_number, status=row.status)

    def issue_bill(self, beneficiary_ref: str, amount: Decimal, due_date: date,
                   description: str, idempotency_key: str) -> Bill:
        existing = self.s.scalars(
            select(IssuedBill).where(IssuedBill.idempotency_key == idempotency_key)
        ).first()
        if existing is None:
            owner = self._beneficiary_row(beneficiary_ref)
            if owner is None:
                raise LookupError(beneficiary_ref)
            existing = IssuedBill(
                idempotency_key=idempotency_key, beneficiary_id=owner.id,
                description=description, amount=amount, due_date=due_date,
                our_number="0", ref="pending", created_at=clock.now(),
            )
            self.s.add(existing)
            self.s.flush()
            existing.our_number = f"9{existing.id:016d}"
            existing.ref = f"bill-{existing.id}"
            self.s.flush()
        return self.bill(existing.ref)

    # -- scheduling ----------------------------------------------------------------
    def cities(self) -> list[tuple[str, str]]:
        rows = self.s.execute(select(Provider.city, Provider.state).distinct().order_by(Provider.city))
        return [(c, s) for c, s in rows]

    def search_slots(self, query: SlotQuery) -> list[SlotInfo]:
        stmt = (
            select(Slot, Provider).join(Provider)
            .where(Slot.status == "free", Provider.specialty == query.specialty)
            .order_by(Slot.starts_at, Provider.id)
            .limit(query.limit)
        )
        if query.city:
            stmt = stmt.where(Provider.city == query.city)
        if query.state:
            stmt = stmt.where(Provider.state == query.state)
        if query.provider_ref:
            stmt = stmt.where(Provider.ref == query.provider_ref)
        earliest = clock.local_now()
        if query.start:
            earliest = max(earliest, datetime.combine(query.start, time.min))
        stmt = stmt.where(Slot.starts_at >= earliest)
        if query.end:
            stmt = stmt.where(Slot.starts_at <= datetime.combine(query.end, time.max))
        # Agendas loaded before holidays were skipped at generation may still hold them.
        return [_slot(slot, provider) for slot, provider in self.s.execute(stmt)
                if not is_holiday(slot.starts_at.date(), provider.state)]

    def book_slot(self, slot_ref: str, beneficiary_ref: str, idempotency_key: str) -> SlotInfo:
        slot_id = int(slot_ref)
        # Compare-and-set on status: of two concurrent bookers exactly one row update wins,
        # on PostgreSQL and SQLite alike, without holding a lock across the conversation.
        result = self.s.execute(
            update(Slot).where(Slot.id == slot_id, Slot.status == "free")
            .values(status="booked", booking_ref=idempotency_key, version=Slot.version + 1)
        )
        if result.rowcount != 1:
            slot = self.s.get(Slot, slot_id)
            if slot is None or slot.booking_ref != idempotency_key:
                raise SlotTaken(slot_ref)
        slot = self.s.get(Slot, slot_id)
        self.s.refresh(slot)
        return _slot(slot, self.s.get(Provider, slot.provider_id))

    def release_slot(self, slot_ref: str, idempotency_key: str) -> None:
        self.s.execute(
            update(Slot).where(Slot.id == int(slot_ref), Slot.booking_ref == idempotency_key)
            .values(status="free", booking_ref=None, version=Slot.version + 1)
        )

    def slot(self, slot_ref: str) -> SlotInfo | None:
        slot = self.s.get(Slot, int(slot_ref))
        return _slot(slot, self.s.get(Provider, slot.provider_id)) if slot else None

    # -- negotiation ---------------------------------------------------------------
    def register_agreement(self, beneficiary_ref: str, title_refs: list[str], summary: dict,
                           idempotency_key: str) -> None:
        self.s.execute(update(FinancialTitle).where(FinancialTitle.ref.in_(title_refs),
                                                    FinancialTitle.status == "open")
                       .values(status="negotiated"))

    def cancel_bill(self, bill_ref: str, idempotency_key: str) -> None:
        self.s.execute(update(IssuedBill).where(IssuedBill.ref == bill_ref, IssuedBill.status == "open")
                       .values(status="cancelled"))

    def break_agreement(self, beneficiary_ref: str, title_refs: list[str], agreement_id: int,
                        idempotency_key: str) -> None:
        self.s.execute(update(FinancialTitle).where(FinancialTitle.ref.in_(title_refs),
                                                    FinancialTitle.status == "negotiated")
                       .values(status="open"))

    def delinquents(self, min_days: int = 1) -> list[BeneficiaryInfo]:
        cutoff = clock.today().toordinal() - min_days
        overdue = select(FinancialTitle.beneficiary_id).where(
            FinancialTitle.status == "open", FinancialTitle.due_date <= date.fromordinal(cutoff))
        rows = self.s.scalars(
            select(Beneficiary).where(Beneficiary.id.in_(overdue)).order_by(Beneficiary.id))
        return [_beneficiary(r) for r in rows]

    # -- registration update -------------------------------------------------------
    def update_registration(self, beneficiary_ref: str, changes: dict,
                            idempotency_key: str) -> None:
        row = self._beneficiary_row(beneficiary_ref)
        if row is None:
            raise KeyError(beneficiary_ref)
        if "address" in changes:
            row.address = dict(changes["address"])
        if "email" in changes:
            row.email = changes["email"]
        if "name" in changes:
            row.name = changes["name"]
        if "marital_status" in changes:
            row.marital_status = changes["marital_status"]
        if "phone" in changes:
            new = changes["phone"]
            row.phones = [new] + [p for p in (row.phones or []) if p != new]
            if self.s.get(BeneficiaryPhone, (new, row.id)) is None:
                self.s.add(BeneficiaryPhone(phone=new, beneficiary_id=row.id))
        self.s.flush()

    # -- guides --------------------------------------------------------------------
    def guides(self, beneficiary_ref: str) -> list[GuideInfo]:
        rows = self.s.scalars(
            select(Guide).join(Beneficiary).where(Beneficiary.ref == beneficiary_ref)
            .order_by(Guide.requested_at.desc())
        )
        return [guide_info(g, beneficiary_ref) for g in rows]


def _beneficiary(row: Beneficiary) -> BeneficiaryInfo:
    return BeneficiaryInfo(
        ref=row.ref, name=row.name, cpf=row.cpf, birth_date=row.birth_date,
        phones=tuple(row.phones or ()), email=row.email, address=dict(row.address or {}),
        plan=row.plan, card_number=row.card_number, holder_ref=row.holder_ref,
        status=row.status or "active", student_until=row.student_until,
    )


def _title(row: FinancialTitle, beneficiary_ref: str) -> TitleInfo:
    return TitleInfo(
        ref=row.ref, beneficiary_ref=beneficiary_ref, code=row.code, description=row.description,
        competence=row.competence, due_date=row.due_date, principal=Decimal(row.principal),
        interest=Decimal(row.interest), fine=Decimal(row.fine), status=row.status,
        our_number=row.our_number, paid_at=row.paid_at,
    )


def _slot(slot: Slot, provider: Provider) -> SlotInfo:
    return SlotInfo(
        ref=str(slot.id),
        provider=ProviderInfo(provider.ref, provider.name, provider.professional,
                              provider.specialty, provider.address, provider.city,
                              provider.state, provider.phone),
        starts_at=slot.starts_at, duration_minutes=slot.duration_minutes,
    )


def _make_bill(ref, beneficiary_ref, description, amount, due_date, our_number,
               competence=None, code=None, status="open") -> Bill:
    amount = Decimal(amount).quantize(Decimal("0.01"))
    barcode = boleto.build_barcode(
        DEMO_BANK_CODE, amount, due_date, boleto.free_field(DEMO_AGREEMENT, our_number)
    )
    return Bill(ref=ref, beneficiary_ref=beneficiary_ref, description=description,
                amount=amount, due_date=due_date, barcode=barcode,
                linha_digitavel=boleto.linha_digitavel(barcode), competence=competence,
                title_code=code, status=status)
