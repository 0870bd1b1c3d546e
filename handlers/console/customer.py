"""The 360° view of the person behind a conversation: registration, titles, agreements,
guides, appointments and protocols with their history. Read from the operator registry
(embedded tables or the operator's API) and our own tables; an unreachable registry shows
as such, the rest of the page still works."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.registry.base import RegistryUnavailable
from storage.models import Agreement, Appointment, Conversation, Protocol

log = logging.getLogger(__name__)

TITLE_STATUSES = ("open", "paid", "negotiated", "cancelled")


@dataclass
class CustomerView:
    beneficiary: object | None = None
    dependents: list = field(default_factory=list)
    titles: list = field(default_factory=list)
    guides: list = field(default_factory=list)
    agreements: list = field(default_factory=list)
    appointments: list = field(default_factory=list)
    protocols: list = field(default_factory=list)
    registry_error: str | None = None


def load(session: Session, registry, conversation: Conversation) -> CustomerView:
    view = CustomerView()
    ref = conversation.beneficiary_ref
    protocols = select(Protocol).where(or_(Protocol.conversation_id == conversation.id,
                                           *( [Protocol.beneficiary_ref == ref] if ref else [])))
    view.protocols = list(session.scalars(protocols.order_by(Protocol.created_at.desc(),
                                                             Protocol.id.desc()).limit(30)))
    if not ref:
        return view
    view.agreements = list(session.scalars(select(Agreement).where(Agreement.beneficiary_ref == ref)
                                           .order_by(Agreement.created_at.desc())))
    view.appointments = list(session.scalars(select(Appointment).where(
        or_(Appointment.patient_ref == ref, Appointment.booked_by_ref == ref))
        .order_by(Appointment.starts_at.desc()).limit(20)))
    try:
        reg = registry.bind(session)
        view.beneficiary = reg.beneficiary(ref)
        if view.beneficiary is not None:
            view.titles = sorted(reg.titles(ref, statuses=TITLE_STATUSES),
                                 key=lambda t: t.due_date, reverse=True)
            view.guides = reg.guides(ref)
            if view.beneficiary.is_holder:
                view.dependents = reg.dependents(ref)
    except RegistryUnavailable as exc:
        log.warning("360 view: operator registry unavailable (%s)", exc)
        view.registry_error = "O cadastro da operadora não respondeu agora; tente de novo em instantes."
    return view
