"""Negociação de débitos: the rule-bound part of the conciliador's job (seed 004).

Identity (first 3 CPF digits or the script's alternatives) → open titles → a cash offer
first, discounts worked gradually up to the table → installments on request, the nearest
valid plan when a limit gets in the way → address → delivery (WhatsApp number read back,
e-mail spelled back) → summary with the mandatory sentence → agreement, boletos issued and
sent. Different title codes are separate agreements in the same conversation. Anything
outside the rules goes to a supervisor with the context.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from bot import outbox, queueing
from bot.engine import Flow, Turn, handle_idle, register, route_payload
from bot.negotiation.rules import (
    Plan,
    Refusal,
    cash_offer,
    days_overdue,
    default_due_date,
    due_date_for,
    find_reissue,
    group_agreements,
    installment_plan,
    parse_installment_request,
)
from bot.registry.base import RegistryUnavailable
from bot.text import normalize
from storage.models import Agreement, Conversation

flow = register(Flow(
    "negociacao", journey="negociacao", needs_identity=True, identity_alternatives=True,
    identity_notice="negotiation/recorded", menu_order=4, menu_label="Negociar débitos em atraso",
    intents=["negociar", "negociacao", "negociar divida", "negociar debito", "tenho debito",
             "tenho debitos", "tenho divida", "estou devendo", "to devendo", "parcelar divida",
             "parcelar", "renegociar", "fazer acordo", "acordo", "debitos em atraso",
             "mensalidades atrasadas", "quitar divida", "pagar divida"],
))

YES = {"sim", "s", "aceito", "fechado", "fechar", "pode ser", "consigo", "ok", "quero",
       "vamos", "combinado", "pode", "sim consigo", "sim aceito", "confirmo", "isso", "correto",
       "certo", "esta certo", "ta certo"}
DISCOUNT = re.compile(r"\b(desconto|caro|nao consigo|nao da|muito|abaixa|melhorar|menos|nao)\b")
FAQ = [
    ("credit_bureaus", re.compile(r"serasa|spc|nome sujo|negativ|protesto|score")),
    ("card", re.compile(r"carteirinha|cartao do plano|bloque")),
    ("reactivation", re.compile(r"voltar a usar|reativ|liberar o plano|usar o plano|volta(r)? a funcionar|desbloque")),
    ("extra_debts", re.compile(r"outra divida|outro debito|outras dividas|outros debitos|tenho mais|outras pendencias|outro boleto|mais debito")),
]


def _rules(turn: Turn):
    return turn.runtime.negotiation_rules


# -- entry ---------------------------------------------------------------------------------
@flow.on_entry
def start(turn: Turn) -> None:
    rules = _rules(turn)
    ref = turn.conversation.beneficiary_ref
    recent = list(turn.session.scalars(select(Agreement).where(
        Agreement.beneficiary_ref == ref, Agreement.status == "active")))
    again = find_reissue(recent, turn.today, rules)
    if again is not None:
        return _reissue(turn, again)
    try:
        titles = [t for t in turn.registry.titles(ref) if t.is_overdue(turn.today)]
    except RegistryUnavailable:
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        return turn.end()
    if not titles:
        turn.say("negotiation/nothing_overdue", phone=rules.plan_phone)
        turn.close_protocol("concluido", "sem débitos em atraso")
        return turn.end()
    groups = group_agreements(titles)
    turn.remember(groups=[[t.ref for t in g] for g in groups], group=0, step=0,
                  due=default_due_date(turn.today, rules).isoformat())
    turn.say("negotiation/titles", name=turn.beneficiary.first_name, rules=rules,
             titles=[{"t": t, "days": days_overdue(t, turn.today)} for g in groups for t in g],
             separate=len(groups) > 1)
    _offer_cash(turn)


def _group(turn: Turn):
    return [turn.registry.title(ref) for ref in turn.data["groups"][turn.data["group"]]]


def _due(turn: Turn) -> date:
    return date.fromisoformat(turn.data["due"])


def _offer_cash(turn: Turn, improved: bool = False) -> None:
    titles = _group(turn)
    offer = cash_offer(titles, turn.today, _rules(turn), step=turn.data["step"], due=_due(turn))
    turn.remember(pending={"kind": "cash", "step": offer.step})
    turn.goto("offer")
    turn.say("negotiation/cash_offer", offer=offer, code=titles[0].code, improved=improved,
             description=titles[0].description, count=len(titles),
             max_installments=_rules(turn).max_installments(titles[0].code))


def _offer_plan(turn: Turn, plan: Plan, refusal: Refusal | None = None) -> None:
    turn.remember(pending={"kind": "installments", "n": plan.installments, "entrada": str(plan.entrada)})
    turn.goto("offer")
    turn.say("negotiation/plan_offer", plan=plan, refusal=refusal, rules=_rules(turn))


# -- the offer ----------------------------------------------------------------------------
@flow.state("offer")
def offer(turn: Turn) -> None:
    rules = _rules(turn)
    if _answer_question(turn):
        return
    request = parse_installment_request(turn.text)
    if request.day is not None:
        due = due_date_for(turn.today, rules, day_of_month=request.day)
        if isinstance(due, Refusal):
            return turn.retry("negotiation/due_date_limit", limit=due.limit, days=rules.max_due_days)
        turn.remember(due=due.isoformat())
    if request.wants_installments:
        return _installments(turn, request.installments, request.entrada)
    if request.wants_cash or request.day is not None:
        if request.wants_cash or turn.data["pending"]["kind"] == "cash":
            return _offer_cash(turn)
        pending = turn.data["pending"]
        return _installments(turn, pending["n"], Decimal(pending["entrada"]))
    if turn.norm in YES:
        return _accepted(turn)
    if DISCOUNT.search(turn.norm):
        return _improve(turn)
    turn.retry("negotiation/offer_help")


def _installments(turn: Turn, n: int | None, entrada: Decimal | None) -> None:
    result = installment_plan(_group(turn), turn.today, _rules(turn), installments=n,
                              entrada=entrada, due=_due(turn))
    if isinstance(result, Plan):
        return _offer_plan(turn, result)
    if result.nearest is None:
        turn.say("negotiation/refused", refusal=result, rules=_rules(turn), nearest=None)
        return _offer_cash(turn)
    _offer_plan(turn, result.nearest, refusal=result)


def _improve(turn: Turn) -> None:
    """'Está caro': the next step of the discount ladder, never beyond the table."""
    titles = _group(turn)
    pending = turn.data["pending"]
    current = cash_offer(titles, turn.today, _rules(turn), step=turn.data["step"], due=_due(turn))
    if pending["kind"] == "cash" and not current.is_max_discount:
        turn.remember(step=turn.data["step"] + 1)
        return _offer_cash(turn, improved=True)
    turn.say("negotiation/best_offer", offer=current,
             max_installments=_rules(turn).max_installments(titles[0].code))


def _answer_question(turn: Turn) -> bool:
    rules = _rules(turn)
    for topic, pattern in FAQ:
        if not pattern.search(turn.norm):
            continue
        if topic == "extra_debts":
            turn.escalate(
                f"negociação: o beneficiário mencionou outras pendências ({turn.text[:120]!r}); "
                f"conferir com o financeiro. Títulos em negociação: "
                f"{', '.join(r for g in turn.data.get('groups', []) for r in g)}",
                template="negotiation/supervisor")
            return True
        codes = {t.code for t in _group(turn)}
        turn.say(f"negotiation/faq_{topic}", rules=rules,
                 non_blocking=sorted(codes & set(rules.non_blocking_codes)),
                 blocking=sorted(codes - set(rules.non_blocking_codes)))
        turn.say("negotiation/back_to_offer")
        return True
    return False


# -- closing ------------------------------------------------------------------------------
def _accepted(turn: Turn) -> None:
    if turn.data.get("delivery"):
        return _finish(turn)  # a second agreement: address and delivery already settled
    turn.goto("address")
    turn.say("negotiation/confirm_address", address=turn.beneficiary.address)


@flow.state("address")
def address(turn: Turn) -> None:
    if turn.norm in YES:
        turn.remember(address_note=None)
    elif len(turn.norm) >= 10 and not turn.norm.isdigit():
        turn.remember(address_note=turn.text.strip()[:400])  # the backoffice updates it
    else:
        return turn.retry("negotiation/address_again")
    turn.goto("delivery")
    turn.say("negotiation/ask_delivery", phone=_readable_phone(turn.conversation.address),
             email=turn.beneficiary.email)


@flow.state("delivery")
def delivery(turn: Turn) -> None:
    email = _email_in(turn.text)
    if email:
        return _spell_back(turn, email)
    if turn.norm in {"1", "whatsapp", "whats", "zap", "wpp", "por whatsapp", "pelo whatsapp", "aqui"}:
        if turn.conversation.channel not in ("whatsapp", "chat"):
            return turn.retry("negotiation/delivery_again")
        turn.remember(delivery="whatsapp", delivery_address=turn.conversation.address)
        return _finish(turn)
    if turn.norm in {"2", "email", "e-mail", "e mail", "por email", "por e-mail", "pelo email"}:
        known = turn.beneficiary.email
        if known:
            return _spell_back(turn, known)
        turn.goto("email")
        return turn.say("negotiation/ask_email")
    turn.retry("negotiation/delivery_again")


@flow.state("email")
def email_state(turn: Turn) -> None:
    email = _email_in(turn.text)
    if email is None:
        return turn.retry("negotiation/email_invalid")
    _spell_back(turn, email)


@flow.state("email_confirm")
def email_confirm(turn: Turn) -> None:
    if turn.norm in YES:
        turn.remember(delivery="email", delivery_address=turn.data["email_candidate"])
        return _finish(turn)
    email = _email_in(turn.text)
    if email:
        return _spell_back(turn, email)
    if turn.norm in {"nao", "n", "errado"}:
        turn.goto("email")
        return turn.say("negotiation/ask_email")
    turn.retry("negotiation/email_confirm_again")


def _email_in(text: str) -> str | None:
    match = re.search(r"[^\s,;<>]+@[^\s,;<>]+", text or "")
    if not match:
        return None
    try:
        return validate_email(match.group(0), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _spell_back(turn: Turn, email: str) -> None:
    turn.remember(email_candidate=email)
    turn.goto("email_confirm")
    local, _, domain = email.partition("@")
    turn.say("negotiation/spell_email", email=email, letters=" ".join(local), domain=domain)


def _readable_phone(address: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(address, None),
                                          phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return address


def _finish(turn: Turn) -> None:
    """Store the agreement, issue its boletos, summarise, send; then the next code."""
    rules = _rules(turn)
    titles = _group(turn)
    pending = turn.data["pending"]
    if pending["kind"] == "cash":
        chosen = cash_offer(titles, turn.today, rules, step=pending["step"], due=_due(turn))
        values = [(0, chosen.due_date, chosen.total)]
        summary = dict(kind="cash", original=chosen.original, discount=chosen.discount,
                       total=chosen.total, entrada=None, installments=0, installment=None,
                       due_date=chosen.due_date)
    else:
        chosen = installment_plan(titles, turn.today, rules, installments=pending["n"],
                                  entrada=Decimal(pending["entrada"]), due=_due(turn))
        values = [(b.number, b.due_date, b.amount) for b in chosen.boletos]
        summary = dict(kind="installments", original=chosen.financed + chosen.discount,
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
    bills = []
    for number, due, amount in values:
        label = "entrada" if number == 0 and len(values) > 1 else (f"parcela {number}" if number else "à vista")
        bills.append(turn.registry.issue_bill(
            ref, amount, due, f"Acordo {agreement.id} – {titles[0].code} – {label}",
            idempotency_key=f"{agreement.idempotency_key}-boleto{number}"))
    agreement.boletos = [{"number": n, "due_date": d.isoformat(), "amount": str(a), "bill_ref": b.ref}
                         for (n, d, a), b in zip(values, bills)]
    turn.registry.register_agreement(ref, agreement.title_refs, {
        "agreement_id": agreement.id, "protocol": agreement.protocol_number, "kind": agreement.kind,
        "total": str(agreement.total), "boletos": agreement.boletos}, agreement.idempotency_key)
    last = turn.data["group"] + 1 >= len(turn.data["groups"])
    turn.say("negotiation/summary", agreement=agreement, code=titles[0].code,
             address=turn.beneficiary.address, note=agreement.address_note,
             phone=_readable_phone(agreement.delivery_address) if agreement.delivery == "whatsapp" else None,
             rules=rules, last=last)
    _send_boletos(turn, agreement, bills)
    if not last:
        turn.remember(group=turn.data["group"] + 1, step=0)
        turn.say("negotiation/next_agreement")
        return _offer_cash(turn)
    turn.say("negotiation/closing", closing=rules.closing_phrase())
    turn.close_protocol("acordo", f"acordos: {agreement.id}")
    turn.end()


def _send_boletos(turn: Turn, agreement: Agreement, bills) -> None:
    media = [{"kind": "bill", "ref": b.ref, "filename": f"boleto-acordo-{agreement.id}-{i}.pdf"}
             for i, b in enumerate(bills)]
    if agreement.delivery == "whatsapp":
        turn.flush()
        for item, bill in zip(media, bills):  # WhatsApp carries one document per message
            turn.say_media("negotiation/boleto", media=[item], bill=bill)
        return
    inbox = _email_conversation(turn, agreement.delivery_address)
    outbox.enqueue_text(turn.session, inbox, render_email(agreement, bills), media=media,
                        subject=f"Boletos do acordo {agreement.protocol_number}", author="bot")
    runtime, conversation_id = turn.runtime, inbox.id
    turn.defer(lambda: queueing.deliver_later(runtime, conversation_id))


def render_email(agreement, bills) -> str:
    from bot.templates import render

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


# -- ATZ ------------------------------------------------------------------------------------
def _reissue(turn: Turn, agreement: Agreement) -> None:
    """A recent agreement due within the ATZ window: a new boleto, not a new agreement."""
    rules = _rules(turn)
    due = default_due_date(turn.today, rules)
    first = dict(agreement.boletos[0])
    bill = turn.registry.issue_bill(
        agreement.beneficiary_ref, Decimal(first["amount"]), due,
        f"Acordo {agreement.id} – reemissão",
        idempotency_key=f"{agreement.idempotency_key}-atz{agreement.reissue_count + 1}")
    first.update(due_date=due.isoformat(), bill_ref=bill.ref)
    agreement.boletos = [first, *agreement.boletos[1:]]
    agreement.due_date = due
    agreement.reissue_count += 1
    turn.say("negotiation/reissued", agreement=agreement, bill=bill)
    turn.say_media("negotiation/boleto", media=[{"kind": "bill", "ref": bill.ref,
                                                  "filename": f"boleto-acordo-{agreement.id}.pdf"}],
                   bill=bill)
    turn.close_protocol("concluido", f"ATZ do acordo {agreement.id}")
    turn.end()


# -- campaign replies -------------------------------------------------------------------------
@flow.state("campaign_reply")
def campaign_reply(turn: Turn) -> None:
    if turn.norm in YES or turn.norm in {"negociar", "quero negociar"}:
        turn.end()
        return turn.start_flow("negociacao")
    turn.end()
    handle_idle(turn)  # not an answer to the invitation: treat it as a fresh message


@route_payload
def campaign_button(turn: Turn) -> bool:
    if turn.message.payload != "negotiate":
        return False
    turn.end()
    turn.start_flow("negociacao")
    return True
