"""Documents (PDFs) the bot sends, rendered on demand from the registry."""
from __future__ import annotations

from sqlalchemy import select

from bot.services.attachments import MissingAttachment, store_from_settings
from bot.services.bill_pdf import render_bill_pdf
from bot.services.cancellation_pdf import render_proof
from bot.services.form_pdf import render_holder_change_form
from storage.models import Attachment, DocumentCase


def render(runtime, item: dict) -> bytes | None:
    if item["kind"] == "attachment":
        return _stored_file(runtime, item)
    if item["kind"] == "cancellation":
        return render_proof(runtime, item["ref"])
    if item["kind"] == "holder_change_form":
        return _holder_change_form(runtime, item["ref"])
    if item["kind"] != "bill":
        return None
    with runtime.sessions() as session:
        registry = runtime.registry.bind(session)
        bill = registry.bill(item["ref"])
        if bill is None:
            return None
        payer = registry.beneficiary(bill.beneficiary_ref)
    s = runtime.settings
    return render_bill_pdf({
        "payer_name": payer.name, "cpf": payer.cpf, "card_number": payer.card_number,
        "competence": bill.competence, "description": bill.description,
        "due_date": bill.due_date, "amount": bill.amount, "barcode": bill.barcode,
        "operator_name": s.operator_name, "operator_ans_code": s.operator_ans_code,
        "title_code": bill.title_code,
    })


def _holder_change_form(runtime, protocol: str) -> bytes | None:
    """The troca de titularidade form of the case with this protocol, filled from what the
    case recorded (its `changes`)."""
    with runtime.sessions() as session:
        case = session.scalars(select(DocumentCase).where(
            DocumentCase.protocol == protocol, DocumentCase.kind == "troca_titularidade")).first()
        if case is None:
            return None
        form = dict(case.changes[0]["value"])
    s = runtime.settings
    return render_holder_change_form({**form, "protocol": protocol,
                                      "operator_name": s.operator_name,
                                      "operator_ans_code": s.operator_ans_code})


def _stored_file(runtime, item: dict) -> bytes | None:
    """A file a person sent (bot.services.attachments), forwarded to a team; None once
    retention removed it."""
    with runtime.sessions() as session:
        row = session.get(Attachment, int(item["id"]))
        if row is None or row.deleted_at is not None:
            return None
        key = row.sha256
    try:
        return store_from_settings(runtime.settings).get(key)
    except MissingAttachment:
        return None
