"""The operator registry interface: what the bot needs from the plan's systems.

Two implementations: `EmbeddedRegistry` (our own tables, loaded from JSON) and
`HttpRegistry` (the operator's API). Both return these plain records, so flows never
know which one is behind them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class BeneficiaryInfo:
    ref: str
    name: str
    cpf: str
    birth_date: date | None  # None: a new holder registered by a troca, not completed yet
    phones: tuple[str, ...]
    email: str | None
    address: dict
    plan: str
    card_number: str
    holder_ref: str | None = None
    status: str = "active"  # active | deceased | transferred (a troca ended the membership)
    student_until: date | None = None  # maioridade: kept as a dependent student until then

    @property
    def first_name(self) -> str:
        return self.name.split()[0].title()

    @property
    def city(self) -> str:
        return self.address.get("city", "")

    @property
    def state(self) -> str:
        return self.address.get("state", "")

    @property
    def is_holder(self) -> bool:
        return self.holder_ref is None


@dataclass(frozen=True)
class TitleInfo:
    ref: str
    beneficiary_ref: str
    code: str
    description: str
    competence: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fine: Decimal
    status: str
    our_number: str
    paid_at: date | None = None  # when status is "paid" and the operator knows the day

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest + self.fine

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due_date).days)

    def is_overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_date < today


@dataclass(frozen=True)
class Bill:
    """A payable boleto: what the person needs to pay and the PDF is drawn from."""

    ref: str
    beneficiary_ref: str
    description: str
    amount: Decimal
    due_date: date
    barcode: str  # 44 digits
    linha_digitavel: str  # 47 digits
    competence: date | None = None
    title_code: str | None = None
    status: str = "open"  # open | paid | cancelled


@dataclass(frozen=True)
class ProviderInfo:
    ref: str
    name: str
    professional: str
    specialty: str
    address: str
    city: str
    state: str
    phone: str | None = None


@dataclass(frozen=True)
class SlotInfo:
    ref: str
    provider: ProviderInfo
    starts_at: datetime  # operator local time
    duration_minutes: int = 30


@dataclass(frozen=True)
class GuideInfo:
    number: str
    beneficiary_ref: str
    procedure_code: str
    procedure_name: str
    status: str
    requested_at: date
    deadline: date | None = None
    reason: str | None = None
    requesting_doctor: str | None = None
    valid_until: date | None = None  # authorized: the guide's validity
    clause: str | None = None  # denied: the contract clause
    category: str | None = None  # config/procedures/ans_deadlines.yaml


# -- procedure requests and billing disputes (issue 15) ----------------------------------
@dataclass(frozen=True)
class ProcedureRequestInfo:
    """What the bot registers: `doctor` is {name, council (CRM|CRO), number, uf}; `files`
    the medical request as received ({url|ref, content_type})."""

    beneficiary_ref: str  # the patient
    requested_by_ref: str  # who asked (the titular for a dependent)
    procedure_code: str | None  # TUSS, 8 digits, when known
    procedure_text: str
    doctor: dict
    files: tuple = ()
    protocol: str = ""


@dataclass(frozen=True)
class AuthorizationAnswer:
    """The operator's answer to a request: at once (no audit) or in audit."""

    guide_number: str
    status: str  # em_analise | autorizada | negada
    category: str | None = None
    valid_until: date | None = None
    reason: str | None = None
    clause: str | None = None

    @property
    def in_audit(self) -> bool:
        return self.status == "em_analise"


@dataclass(frozen=True)
class BillItemInfo:
    ref: str
    title_ref: str
    description: str
    amount: Decimal
    service_date: date | None = None
    provider: str | None = None
    patient_ref: str | None = None
    kind: str = "coparticipacao"


@dataclass(frozen=True)
class DentalProviderInfo:
    """An accredited dentist or dental clinic (retention outreach goes to it)."""
    ref: str
    name: str
    kind: str  # F | J
    cro: str
    uf: str
    city: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    cnpj: str | None = None
    cpf: str | None = None
    included_on: date | None = None


@dataclass(frozen=True)
class NewHolder:
    """Troca de titularidade: who the contract passes to, as the signed form names them."""

    name: str
    cpf: str  # 11 digits


class SlotTaken(Exception):
    """Somebody else booked the slot first."""


class RegistryUnavailable(Exception):
    """The operator's systems did not answer; the person is told to try again later."""


@dataclass(frozen=True)
class SlotQuery:
    specialty: str
    city: str | None = None
    state: str | None = None
    start: date | None = None
    end: date | None = None
    provider_ref: str | None = None
    limit: int = 50
    extra: dict = field(default_factory=dict)


class OperatorRegistry(Protocol):
    def bind(self, session) -> "OperatorRegistry":
        """A view that works inside the caller's database transaction (when it has one)."""
        ...

    def beneficiary_by_phone(self, phone: str) -> BeneficiaryInfo | None:
        """`phone` in E.164; a Brazilian mobile matches with or without its ninth digit
        (bot/phones.py), the titular first when several share it."""
        ...

    def beneficiary_by_email(self, address: str) -> BeneficiaryInfo | None:
        """`address` lower-case; matched case-insensitively, the titular first when
        several share it."""
        ...

    def beneficiary_by_cpf(self, cpf: str) -> BeneficiaryInfo | None: ...
    def beneficiary(self, ref: str) -> BeneficiaryInfo | None: ...
    def dependents(self, holder_ref: str) -> list[BeneficiaryInfo]: ...
    def titles(self, beneficiary_ref: str, statuses: tuple[str, ...] = ("open",),
               competence_from: date | None = None) -> list[TitleInfo]:
        """Newest competência first; `competence_from` keeps those on or after that month."""
        ...

    def title(self, ref: str) -> TitleInfo | None: ...
    def bill_for_title(self, title_ref: str) -> Bill: ...
    def bill(self, bill_ref: str) -> Bill | None: ...
    def issue_bill(self, beneficiary_ref: str, amount: Decimal, due_date: date,
                   description: str, idempotency_key: str) -> Bill: ...
    def cities(self) -> list[tuple[str, str]]: ...
    def search_slots(self, query: SlotQuery) -> list[SlotInfo]: ...
    def book_slot(self, slot_ref: str, beneficiary_ref: str, idempotency_key: str) -> SlotInfo: ...
    def release_slot(self, slot_ref: str, idempotency_key: str) -> None: ...
    def guides(self, beneficiary_ref: str) -> list[GuideInfo]: ...
    def register_agreement(self, beneficiary_ref: str, title_refs: list[str], summary: dict,
                           idempotency_key: str) -> None: ...
    def cancel_bill(self, bill_ref: str, idempotency_key: str) -> None:
        """A superseded boleto (ATZ) must not stay payable."""
        ...
    def break_agreement(self, beneficiary_ref: str, title_refs: list[str], agreement_id: int,
                        idempotency_key: str) -> None:
        """An agreement left unpaid: its titles are open (collectable) again."""
        ...
    def delinquents(self, min_days: int = 1) -> list[BeneficiaryInfo]: ...
    def guide(self, number: str) -> GuideInfo | None: ...
    def request_procedure(self, request: ProcedureRequestInfo,
                          idempotency_key: str) -> AuthorizationAnswer:
        """Register a procedure request; the same key answers the same guide."""
        ...
    def bill_items(self, title_ref: str) -> list[BillItemInfo]: ...
    def register_dispute(self, beneficiary_ref: str, title_ref: str | None,
                         competence: date | None, item_refs: list[str], description: str,
                         protocol: str, idempotency_key: str) -> None: ...

    # -- cancellation and the dental network (issue 16) ------------------------------
    def register_cancellation(self, beneficiary_ref: str, protocol_number: str,
                              requested_at: datetime, dependent_refs: list[str],
                              idempotency_key: str) -> None:
        """RN 561/2022: the request is the cancellation; the operator records it at once."""
        ...
    def loss_ratio(self, beneficiary_ref: str) -> Decimal | None:
        """Sinistralidade (%) of the person's contract, None when the operator has none."""
        ...
    def dental_provider(self, ref: str) -> DentalProviderInfo | None: ...
    def dental_provider_by_cro(self, cro: str, uf: str) -> DentalProviderInfo | None: ...
    def dental_provider_by_contact(self, address: str) -> DentalProviderInfo | None:
        """By an E.164 phone (with or without a mobile's ninth digit) or an e-mail."""
    def update_registration(self, beneficiary_ref: str, changes: dict,
                            idempotency_key: str) -> None:
        """Atualização cadastral: `changes` holds any of address {street, number,
        complement, district, city, state, zip}, phone (E.164: becomes the main phone,
        the others stay), email, name, marital_status."""
        ...

    # -- contract changes approved by the registration team (issue 12) -----------------
    def continue_as_student(self, dependent_ref: str, valid_until: date, protocol: str,
                            idempotency_key: str) -> None:
        """Maioridade: the dependent stays in the contract as a student until
        `valid_until` (renewed by a new case with a new proof of enrolment). A repeated key
        changes nothing."""
        ...
    def transfer_holder(self, holder_ref: str, new_holder: NewHolder, holder_deceased: bool,
                        effective_on: date, protocol: str, idempotency_key: str) -> str:
        """Troca de titularidade: the contract passes to `new_holder` (a dependent of it is
        promoted; anyone else is registered), the dependents follow the new holder, and the
        former holder's membership ends on `effective_on` (deceased when the death
        certificate was part of the case, transferred otherwise). Returns the new holder's
        ref; a repeated key returns the same ref and changes nothing. ValueError: the
        operator refuses (the CPF is in another contract, the holder is no longer one)."""
        ...
