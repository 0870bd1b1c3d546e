"""The agreement stored, its boletos issued and sent (WhatsApp or e-mail), the summary
with the mandatory sentence; then the next code's negotiation."""
from __future__ import annotations

from sqlalchemy import select

from bot.engine import Turn
from bot.flows.negotiation.case_notes import agreements_note
from bot.flows.negotiation.contact_reading import readable_phone
from bot.flows.negotiation.context import group_titles, rules_for
from bot.flows.negotiation.offers import (
    monthly_day,
    offer_cash,
    pending_offer,
    requote,
    still_as_quoted,
)
from bot.language.templates import render
from bot.platform import queueing
from bot.services import outbox
from storage.models import Agreement, Conversation


def finish(turn: Turn) -> None:
    """Store the agreement, issue its boletos, summarise, send; then the next code."""
    rules = rules_for(turn)
    titles = group_titles(turn)
    chosen = pending_offer(turn)
    if not still_as_quoted(turn, chosen):
        return requote(turn)
    if chosen.kind == "cash":
        values = [(0, chosen.due_date, chosen.total)]
        summary = dict(kind="cash", original=chosen.original, discount=chosen.discount,
                       total=chosen.total, entrada=None, installments=0, installment=None,
                       due_date=chosen.due_date)
    else:
        values = [(b.number, b.due_date, b.amount) for b in chosen.boletos]
        summary = dict(kind="installments", original=chosen.original,
                       discount=chosen.discount, total=chosen.total,
                       entrada=chosen.entrada_amount, installments=chosen.installments,
                       installment=chosen.installment_amount, due_date=chosen.due_date)
    ref = turn.conversation.beneficiary_ref
    agreement = Agreement(
        protocol_number=turn.data["protocol"], beneficiary_ref=ref,
        conversation_id=turn.conversation.id, title_code=titles[0].code,
        title_refs=[t.ref for t in titles],
        idempotency_key=f"conv{turn.conversation.id}-msg{turn.message.external_id}",
        delivery=turn.data["delivery"], delivery_address=turn.data["delivery_address"],
        address_note=turn.data.get("address_note"), status="active", boletos=[], **summary,
    )
    turn.session.add(agreement)
    turn.session.flush()
    bills = [turn.registry.issue_bill(
        ref, amount, due,
        render("negotiation/bill_description", agreement_id=agreement.id, code=agreement.title_code,
               kind=agreement.kind, number=number, installments=agreement.installments),
        idempotency_key=f"{agreement.idempotency_key}-boleto{number}") for number, due, amount in values]
    agreement.boletos = [{"number": n, "due_date": d.isoformat(), "amount": str(a), "bill_ref": b.ref,
                          "reissues": 0} for (n, d, a), b in zip(values, bills)]
    turn.registry.register_agreement(ref, agreement.title_refs, {
        "agreement_id": agreement.id, "protocol": agreement.protocol_number, "kind": agreement.kind,
        "total": str(agreement.total), "boletos": agreement.boletos,
        "address_note": agreement.address_note, "contact_phone": turn.data.get("phone_note")},
        agreement.idempotency_key)
    done = [*turn.data.get("agreement_ids", []), agreement.id]
    turn.remember(agreement_ids=done)
    last = turn.data["group"] + 1 >= len(turn.data["groups"])
    turn.say("negotiation/summary", agreement=agreement, code=titles[0].code,
             address=turn.beneficiary.address, note=agreement.address_note,
             phone=readable_phone(agreement.delivery_address) if agreement.delivery == "whatsapp" else None,
             phone_note=readable_phone(turn.data["phone_note"]) if turn.data.get("phone_note") else None,
             monthly_day=monthly_day(chosen) if chosen.kind != "cash" else None,
             closing=rules.closing_phrase())
    _send_boletos(turn, agreement, bills)
    if not last:
        turn.remember(group=turn.data["group"] + 1, step=0, deferral_answered=False)
        turn.say("negotiation/next_agreement")
        return offer_cash(turn)
    turn.say("negotiation/anything_else")
    turn.close_protocol("acordo", agreements_note(done))
    turn.end()


def _send_boletos(turn: Turn, agreement: Agreement, bills) -> None:
    media = [{"kind": "bill", "ref": b.ref,
              "filename": render("negotiation/boleto_filename", agreement_id=agreement.id,
                                 kind=agreement.kind, number=i)}
             for i, b in enumerate(bills)]
    if agreement.delivery == "whatsapp":
        turn.flush()
        for item, bill in zip(media, bills):  # WhatsApp carries one document per message
            turn.say_media("negotiation/boleto", media=[item], bill=bill)
        return
    inbox = _email_conversation(turn, agreement.delivery_address)
    outbox.enqueue_text(turn.session, inbox, render_email(agreement, bills), media=media,
                        subject=render("negotiation/email_subject", agreement=agreement), author="bot")
    runtime, conversation_id = turn.runtime, inbox.id
    turn.defer(lambda: queueing.deliver_later(runtime, conversation_id))


def render_email(agreement, bills) -> str:
    return render("negotiation/email_boletos", agreement=agreement, bills=bills)


def _email_conversation(turn: Turn, address: str) -> Conversation:
    existing = turn.session.scalars(select(Conversation).where(
        Conversation.channel == "email", Conversation.address == address)).first()
    if existing:
        return existing
    conversation = Conversation(channel="email", address=address, data={},
                                beneficiary_ref=turn.conversation.beneficiary_ref)
    turn.session.add(conversation)
    turn.session.flush()
    return conversation
