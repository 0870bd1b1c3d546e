"""Documents (PDFs) the bot sends, rendered on demand from the registry."""
from __future__ import annotations

from bot.services.bill_pdf import render_bill_pdf
from bot.services.cancellation_pdf import render_proof


def render(runtime, item: dict) -> bytes | None:
    if item["kind"] == "cancellation":
        return render_proof(runtime, item["ref"])
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
