"""The proof of cancellation as a PDF (fpdf2), texts from
templates/messages/documents/cancellation_pdf.j2. Drawn on demand from the stored
request (`cancellations`) and the registry, like the bills."""
from __future__ import annotations

from sqlalchemy import select

from bot.language.templates import render
from bot.platform import clock
from bot.services.pdf_page import labelled_page
from storage.models import Cancellation


def render_proof(runtime, protocol_number: str) -> bytes | None:
    with runtime.sessions() as session:
        row = session.scalars(select(Cancellation)
                              .where(Cancellation.protocol_number == protocol_number)).first()
        if row is None:
            return None
        registry = runtime.registry.bind(session)
        person = registry.beneficiary(row.beneficiary_ref)
        if person is None:
            return None
        names = []
        for ref in row.dependent_refs or []:
            dependent = registry.beneficiary(ref)
            names.append(dependent.name if dependent else ref)
        s = runtime.settings
        lines = render(
            "documents/cancellation_pdf", operator_name=s.operator_name,
            operator_ans_code=s.operator_ans_code, protocol=row.protocol_number, name=person.name,
            cpf=person.cpf, card_number=person.card_number, plan=person.plan,
            requested=clock.to_local(row.requested_at),
            registered=clock.to_local(row.registered_at) if row.registered_at else None,
            dependents=names).splitlines()
    return bytes(labelled_page(lines).output())
