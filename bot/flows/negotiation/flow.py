"""Negociação de débitos: the rule-bound part of the conciliador's job (seed 004).

Active agreements come first: the next boleto of one that expired within the ATZ window
(1..5 days ago) is reissued, one overdue beyond it goes to a person, the others are told (never "no debts"
to someone with an agreement running); broken ones free their titles
(bot/negotiation/agreements.py).

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

from bot.engine import Flow, MenuEntry, Turn, handle_idle
from bot.flows.negotiation import agreements as agreement_life
from bot.flows.negotiation import rules as negotiation_rules
from bot.flows.negotiation.language import (
    EMAIL,
    HERE,
    accepts,
    defers,
    looks_like_address,
    moved,
    not_moved,
    question_topic,
    refuses,
    wants_discount,
    without_lead_in,
)
from bot.flows.negotiation.rules import (
    Plan,
    Refusal,
    cash_offer,
    days_overdue,
    default_due_date,
    first_due_date,
    group_agreements,
    installment_plan,
    parse_installment_request,
    requested_due_date,
)
from bot.language import phones
from bot.language.formatting import brdate, money
from bot.language.intents import after_yes_no, yes_no
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import queueing
from bot.registry.base import RegistryUnavailable
from bot.services import outbox
from storage.models import Agreement, Conversation

flow = Flow(
    "negociacao", journey="negociacao", needs_identity=True, identity_alternatives=True,
    identity_notice="negotiation/recorded", menu=MenuEntry(4, "Negociar débitos em atraso"),
    invitation=("negotiation", "campaign_reply"),
    intents=["negociar", "negociacao", "negociar divida", "negociar debito", "tenho debito",
             "tenho debitos", "tenho divida", "estou devendo", "to devendo", "parcelar divida",
             "parcelar", "renegociar", "fazer acordo", "acordo", "debitos em atraso",
             "mensalidades atrasadas", "quitar divida", "pagar divida",
             # issue 11: a debt in the usual words
             "quitar", "divida", "dividas", "o que devo", "atrasados", "em atraso",
             "falta de pagamento"],
)
flow.hook("keeps")(lambda turn, other: _own_boleto(turn, other))
flow.due(agreement_life.break_overdue_agreements)

# Words that make a "boleto" a 2ª via request even in the middle of a negotiation.
_SECOND_COPY = re.compile(r"\b(?:2\s?a?|segunda|2a) via\b|\bfatura|\bmensalidade|codigo de barras|"
                          r"linha digitavel|boleto do mes|pagar o plano")
_CLOSING_STATES = frozenset({"address", "address_new", "address_confirm", "delivery", "email",
                             "email_confirm"})


def _own_boleto(turn: Turn, other: str) -> bool:
    """'Me manda o boleto', 'cadê o boleto?' once the offer was accepted: the agreement's
    boleto, which goes out as soon as the closing questions are answered — not a 2ª via
    (the overdue bill it would list cannot be paid), and not a reason to drop the deal."""
    if other != "segunda_via" or turn.conversation.state not in _CLOSING_STATES:
        return False
    if _SECOND_COPY.search(turn.norm):
        return False
    turn.say("negotiation/boleto_after_closing")
    return True

# Besides a plain yes (bot.language.intents.yes_no), what accepts the offer on the table.
ACCEPT = frozenset({"aceito", "fechado", "fechar", "fecha", "pode fechar", "vamos fechar",
                    "consigo", "quero", "vamos", "combinado", "sim consigo", "sim aceito",
                    "bora", "topo", "fechamos", "pode mandar", "manda", "consigo sim"})


def _rules(turn: Turn):
    return negotiation_rules.of(turn.runtime)


# -- entry ---------------------------------------------------------------------------------
@flow.on_entry
def start(turn: Turn) -> None:
    rules = _rules(turn)
    if not turn.data.get("identity_notice_said"):
        # Identity was confirmed earlier (e.g. in the 2ª via journey): the notice is still
        # owed once in this negotiation.
        turn.say("negotiation/recorded")
        turn.remember(identity_notice_said=True)
    ref = turn.conversation.beneficiary_ref
    try:
        if _settle_agreements(turn) == "stop":
            return
        # A title already in a running agreement is never negotiated again, even if the
        # operator's system still reports it open.
        negotiated = {r for a in agreement_life.active_for(turn.session, ref) for r in a.title_refs}
        titles = [t for t in turn.registry.titles(ref)
                  if t.is_overdue(turn.today) and t.ref not in negotiated]
    except RegistryUnavailable:
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        return turn.end()
    if not titles:
        if turn.scratch.get("agreements_told"):
            turn.close_protocol("concluido", turn.scratch["agreements_told"])
            turn.say("negotiation/anything_else")
        else:
            turn.say("negotiation/nothing_overdue", phone=rules.plan_phone)
            turn.close_protocol("concluido", "sem débitos em atraso")
        return turn.end()
    groups = group_agreements(titles)
    turn.remember(groups=[[t.ref for t in g] for g in groups], codes=[g[0].code for g in groups],
                  group=0, step=0,
                  due=first_due_date(turn.today, rules).isoformat())
    turn.say("negotiation/titles", name=turn.beneficiary.first_name, rules=rules,
             titles=[{"t": t, "days": days_overdue(t, turn.today)} for g in groups for t in g],
             separate=len(groups) > 1, more=bool(turn.scratch.get("agreements_told")))
    _offer_cash(turn)


def _settle_agreements(turn: Turn) -> str | None:
    """Before any new negotiation, the person's active agreements: reissue (ATZ) the next
    boleto of one due within the window, hand an overdue one to a person, tell about the
    others. Broken ones release their titles, which are then negotiated as any other."""
    rules = _rules(turn)
    for agreement in agreement_life.active_for(turn.session, turn.conversation.beneficiary_ref):
        action, boleto = agreement_life.review(turn.registry, agreement, turn.today, rules)
        if action == "reissue":
            bill = agreement_life.reissue(turn.registry, agreement, boleto, turn.today, rules)
            turn.say("negotiation/reissued", agreement=agreement, bill=bill, rules=rules,
                     old_due=date.fromisoformat(boleto["due_date"]))
            _send_bill(turn, agreement, bill)
            turn.scratch["agreements_told"] = f"ATZ do acordo {agreement.id}"
        elif action == "overdue":
            turn.escalate(
                f"negociação: acordo {agreement.id} (protocolo {agreement.protocol_number}) com "
                f"boleto vencido em {date.fromisoformat(boleto['due_date']):%d/%m/%Y}, fora da janela "
                f"de reemissão; decidir reemissão ou quebra",
                template="negotiation/agreement_overdue", agreement=agreement,
                boleto=_boleto_view(boleto), protocol=turn.data.get("protocol"))
            return "stop"
        elif action == "active":
            turn.say("negotiation/active_agreement", agreement=agreement, boleto=_boleto_view(boleto),
                     remaining=sum(1 for b in agreement.boletos if not b.get("paid")))
            bill = turn.registry.bill(boleto["bill_ref"])
            if bill is not None:
                _send_bill(turn, agreement, bill)
            turn.scratch["agreements_told"] = f"acordo {agreement.id} em andamento informado"
    return None


def _boleto_view(boleto: dict) -> dict:
    return {"number": boleto["number"], "amount": Decimal(boleto["amount"]),
            "due_date": date.fromisoformat(boleto["due_date"])}


def _send_bill(turn: Turn, agreement: Agreement, bill) -> None:
    turn.say_media("negotiation/boleto", bill=bill, media=[{
        "kind": "bill", "ref": bill.ref,
        "filename": render("negotiation/boleto_filename", agreement_id=agreement.id,
                           kind=agreement.kind, number=None)}])


def _group(turn: Turn):
    return [turn.registry.title(ref) for ref in turn.data["groups"][turn.data["group"]]]


def _contact_titles(turn: Turn):
    """Every title of this contact, for `discount_band_scope: contact`; None otherwise."""
    if _rules(turn).discount_band_scope != "contact":
        return None
    if "contact_titles" not in turn.scratch:
        turn.scratch["contact_titles"] = [turn.registry.title(ref)
                                          for group in turn.data["groups"] for ref in group]
    return turn.scratch["contact_titles"]


def _due(turn: Turn) -> date:
    return date.fromisoformat(turn.data["due"])


def _cash(turn: Turn, step: int):
    return cash_offer(_group(turn), turn.today, _rules(turn), step=step, due=_due(turn),
                      contact_titles=_contact_titles(turn))


def _plan(turn: Turn, n: int | None, entrada: Decimal | None, step: int | None = None):
    """A plan at the discount step reached so far (one ladder for cash and installments:
    the cash offer is never above a plan quoted at the same step)."""
    return installment_plan(_group(turn), turn.today, _rules(turn), installments=n,
                            entrada=entrada, due=_due(turn), contact_titles=_contact_titles(turn),
                            step=turn.data["step"] if step is None else step)


def _offer_cash(turn: Turn, improved: bool = False, from_plan: bool = False,
                date_limit: Refusal | None = None, plan_discount: Decimal | None = None) -> None:
    titles = _group(turn)
    offer = _cash(turn, turn.data["step"])
    _put_cash_on_table(turn, offer)
    _say_date_limit(turn, date_limit)
    turn.say("negotiation/cash_offer", offer=offer, code=titles[0].code, improved=improved,
             from_plan=from_plan, plan_discount=plan_discount, description=titles[0].description,
             count=len(titles), max_installments=_rules(turn).max_installments(titles[0].code),
             latest=default_due_date(turn.today, _rules(turn)))


def _put_cash_on_table(turn: Turn, offer) -> None:
    turn.remember(step=offer.step, pending={"kind": "cash", "step": offer.step,
                                            "total": str(offer.total),
                                            "due": offer.due_date.isoformat()})
    turn.goto("offer")


def _offer_plan(turn: Turn, plan: Plan, refusal: Refusal | None = None,
                date_limit: Refusal | None = None, improved: bool = False) -> None:
    # `entrada` is the plan's own entrada (not the person's cap): quoting it again gives
    # the same plan, so a "sim" closes exactly what was shown.
    turn.remember(pending={"kind": "installments", "n": plan.installments,
                           "entrada": str(plan.entrada), "total": str(plan.total),
                           "due": plan.due_date.isoformat(), "step": turn.data["step"],
                           # as shown, for the history (no registry call to recompute)
                           "entrada_amount": str(plan.entrada_amount),
                           "installment": str(plan.installment_amount)})
    turn.goto("offer")
    _say_date_limit(turn, date_limit)
    turn.say("negotiation/plan_offer", plan=plan, refusal=refusal, rules=_rules(turn),
             monthly_day=_monthly_day(plan), improved=improved)


def _say_date_limit(turn: Turn, date_limit: Refusal | None) -> None:
    """The date asked for is past or beyond the window: say so. The due date on the table
    stays what it was (the person picks another day, or accepts it)."""
    if date_limit is not None:
        turn.say("negotiation/due_date_limit", refusal=date_limit, today=turn.today,
                 days=_rules(turn).max_due_days, kept=_due(turn), alone=False)


def _monthly_day(plan: Plan) -> int | None:
    """The installments' common day of the month, or None when month ends moved some
    (an entrada on the 31st: 28/02, 31/03 …), so "todo dia N" is never wrong."""
    days = {b.due_date.day for b in plan.boletos[1:]}
    return days.pop() if len(days) == 1 else None


def _pending_offer(turn: Turn):
    """The offer on the table, computed again now: a CashOffer, a Plan, or None when the
    rules no longer allow it (e.g. the due date left the window overnight)."""
    pending = turn.data["pending"]
    if pending["kind"] == "cash":
        return _cash(turn, pending["step"])
    plan = _plan_again(turn, pending)
    return plan if isinstance(plan, Plan) else None


def _plan_again(turn: Turn, pending: dict):
    """The plan on the table rebuilt from its own entrada (an entrada of ours, never
    rounded below), so today it comes out to exactly the same boletos."""
    return _plan(turn, pending["n"], Decimal(pending["entrada"]) + _rules(turn).boleto_surcharge,
                 step=pending.get("step", turn.data["step"]))


def _better_plan(turn: Turn, pending: dict) -> Plan | None:
    """The plan on the table one discount step up: the same number of installments, with
    its entrada when that still fits, else an even split."""
    step = turn.data["step"] + 1
    for entrada in (_pending_cap(turn, pending), None):
        plan = _plan(turn, pending["n"], entrada, step=step)
        if isinstance(plan, Plan):
            return plan
    return None


def _still_as_quoted(turn: Turn, offer) -> bool:
    pending = turn.data["pending"]
    return offer is not None and str(offer.total) == pending.get("total") and \
        offer.due_date.isoformat() == pending.get("due")


def _requote(turn: Turn) -> None:
    """What was quoted no longer holds (the day changed: another discount band, another
    due-date window). Never close on different values than the person saw: quote again."""
    pending = turn.data["pending"]
    turn.say("negotiation/requoted")
    turn.remember(due=first_due_date(turn.today, _rules(turn)).isoformat())
    if pending["kind"] == "cash":
        return _offer_cash(turn)
    _installments(turn, pending["n"], _pending_cap(turn, pending))


def _pending_cap(turn: Turn, pending: dict) -> Decimal:
    """The entrada boleto of the plan on the table, as the person saw it."""
    return Decimal(pending["entrada"]) + _rules(turn).boleto_surcharge


# -- the offer ----------------------------------------------------------------------------
@flow.state("offer")
def offer(turn: Turn) -> None:
    if _answer_question(turn):
        return
    if refuses(turn.norm) and not (defers(turn.norm) and wants_discount(turn.norm)):
        return _deferred(turn) if defers(turn.norm) else _declined(turn)
    request = parse_installment_request(turn.text)
    # Every request in the message counts ("dia 10, em 5x"): a date past or beyond the
    # window is explained and the due date stays as it was; the rest is quoted with it.
    date_limit, new_due = _settle_due_date(turn)
    only_a_date = not (request.wants_installments or request.entrada or request.wants_cash)
    if date_limit is not None and only_a_date and not wants_discount(turn.norm):
        # Only a date, and it cannot be accepted: explain, nothing else changes.
        return turn.reject("negotiation/due_date_limit", refusal=date_limit, today=turn.today,
                           days=_rules(turn).max_due_days, kept=_due(turn), alone=True)
    if request.installment_value:
        return _installments_within(turn, request.installment_value, request.entrada, date_limit)
    if request.installments or request.entrada:
        return _installments(turn, request.installments, request.entrada, date_limit)
    if wants_discount(turn.norm):
        return _improve(turn, date_limit)
    if request.wants_installments:
        return _installments(turn, None, None, date_limit)
    pending = turn.data["pending"]
    if request.wants_cash or (new_due and pending["kind"] == "cash"):
        return _offer_cash(turn, date_limit=date_limit)
    if new_due:
        return _installments(turn, pending["n"], _pending_cap(turn, pending), date_limit)
    answer = yes_no(turn.text, extra_yes=ACCEPT)
    if answer is None and accepts(turn.text):
        answer = True  # "consigo pagar", "fechou", "tá bom"
    if answer is True:
        return _accepted(turn)
    if answer is False:
        # "Consegue pagar até essa data?" — "não" answers the date, not the price: no
        # discount for it. Say how far the date goes and what else is possible.
        return turn.retry("negotiation/no_to_offer", latest=default_due_date(turn.today, _rules(turn)),
                          days=_rules(turn).max_due_days, kind=pending["kind"])
    turn.retry("negotiation/offer_help", latest=default_due_date(turn.today, _rules(turn)))


def _settle_due_date(turn: Turn) -> tuple[Refusal | None, bool]:
    """The due date the message asks for: (refusal to explain, whether a new date was
    taken). A refused date leaves the one on the table unchanged."""
    due = requested_due_date(turn.text, turn.today, _rules(turn))
    if due is None:
        return None, False
    if isinstance(due, Refusal):
        return due, False
    turn.remember(due=due.isoformat())
    return None, True


def _installments(turn: Turn, n: int | None, entrada: Decimal | None,
                  date_limit: Refusal | None = None) -> None:
    result = _plan(turn, n, entrada)
    if isinstance(result, Plan):
        return _offer_plan(turn, result, date_limit=date_limit)
    if result.nearest is None:
        _say_date_limit(turn, date_limit)
        turn.say("negotiation/refused", refusal=result, rules=_rules(turn), nearest=None)
        return _offer_cash(turn)
    _offer_plan(turn, result.nearest, refusal=result, date_limit=date_limit)


def _installments_within(turn: Turn, value: Decimal, entrada: Decimal | None,
                         date_limit: Refusal | None = None) -> None:
    """'Só consigo 80 por mês': the fewest installments whose boleto fits the value; when
    even the longest plan's is above it, that plan, saying its installment is the least."""
    max_n = _rules(turn).max_installments(_group(turn)[0].code)
    for n in range(1, max_n + 1):
        plan = _plan(turn, n, entrada)
        if isinstance(plan, Plan) and plan.installment_amount <= value:
            return _offer_plan(turn, plan, date_limit=date_limit)
    longest = _plan(turn, None, entrada)
    if not isinstance(longest, Plan):
        return _installments(turn, None, entrada, date_limit)
    _offer_plan(turn, longest, refusal=Refusal("installment_value", limit=value, nearest=longest),
                date_limit=date_limit)


def _improve(turn: Turn, date_limit: Refusal | None = None) -> None:
    """'Está caro': the next step of the ladder, never beyond the table — the plan on the
    table improved while its discount can grow, else the cash offer. The offer on the
    table is always the one quoted last, so a following "sim" accepts exactly it."""
    titles = _group(turn)
    pending = turn.data["pending"]
    current = _cash(turn, turn.data["step"])
    plan = _plan_again(turn, pending) if pending["kind"] != "cash" else None
    plan = plan if isinstance(plan, Plan) else None
    if plan is not None and not current.is_max_discount:
        better = _better_plan(turn, pending)
        if better is not None and better.discount > plan.discount:
            turn.remember(step=turn.data["step"] + 1)
            return _offer_plan(turn, better, date_limit=date_limit, improved=True)
    if not current.is_max_discount:
        turn.remember(step=turn.data["step"] + 1)
        return _offer_cash(turn, improved=True, from_plan=pending["kind"] != "cash",
                           date_limit=date_limit, plan_discount=plan.discount if plan else None)
    _say_date_limit(turn, date_limit)
    if plan is None:
        _put_cash_on_table(turn, current)
        return turn.say("negotiation/best_offer", offer=current,
                        max_installments=_rules(turn).max_installments(titles[0].code))
    if plan.due_date.isoformat() != pending["due"]:
        _offer_plan(turn, plan)  # a new date came with it: the plan as it stands now
    turn.say("negotiation/best_plan", best_cash=current, plan=plan)


def _declined(turn: Turn, note: str = "beneficiário recusou a proposta") -> None:
    """'Não quero', 'sem interesse': thanked, told the door stays open (a later "negociar"
    starts again), the protocol concluded without agreement, with the reason. Nothing is
    pressed."""
    rules = _rules(turn)
    turn.say("negotiation/declined", name=turn.beneficiary.first_name, rules=rules)
    turn.close_protocol("concluido", f"sem acordo: {note} ({turn.text[:80]!r})")
    turn.end()


def _deferred(turn: Turn) -> None:
    """'Vou pensar', 'agora não', 'não tenho dinheiro agora': the script works the discount
    gradually, so once per negotiation the next step of the ladder is offered (the plan on
    the table improved, else the cash offer) before letting the person go; when the table
    has nothing more, or after that once, the polite close of `_declined`."""
    if not turn.data.get("deferral_answered") and not _cash(turn, turn.data["step"]).is_max_discount:
        turn.remember(deferral_answered=True)
        turn.say("negotiation/deferral_offer", name=turn.beneficiary.first_name)
        return _improve(turn)
    _declined(turn, "beneficiário preferiu deixar para depois")


def _answer_question(turn: Turn) -> bool:
    rules = _rules(turn)
    topic = question_topic(turn.norm, rules.operator_name)
    if topic is None:
        return False
    if topic == "extra_debts":
        _to_supervisor(turn, "o beneficiário mencionou outras pendências; conferir com o financeiro",
                       "negotiation/supervisor")
        return True
    if topic == "dispute":
        _to_supervisor(turn, "o beneficiário contesta o débito; não cobrar antes de conferir com "
                             "o financeiro", "negotiation/dispute")
        return True
    if topic == "title":
        _explain_titles(turn)
        turn.say("negotiation/back_to_offer")
        return True
    # Every code of this contact, not only the agreement under way: "vai bloquear a
    # carteirinha?" is about all the person owes here.
    codes = set(turn.data.get("codes") or []) or {t.code for t in _group(turn)}
    turn.say(f"negotiation/faq_{topic}", rules=rules,
             non_blocking=sorted(codes & set(rules.non_blocking_codes)),
             blocking=sorted(codes - set(rules.non_blocking_codes)))
    turn.say("negotiation/back_to_offer")
    return True


def _to_supervisor(turn: Turn, why: str, template: str) -> None:
    """A case the rules do not cover goes to a supervisor with its context: what the person
    said, the titles (code, description, competência, days overdue, amount) and the offer
    on the table — in the case's protocol (details and history) and, shortened, in the
    queue's reason; the person is told the protocol."""
    case = _case_context(turn)
    note = f"negociação: {why}. Mensagem: {turn.text[:200]!r}. " + _case_text(case)
    protocol = turn.protocol
    if protocol is not None:
        protocol.details = {**(protocol.details or {}), "negotiation_case": case}
    titles = ", ".join(sorted({t["code"] for t in case["titles"]}))
    offer = case.get("offer")
    short = f"negociação: {why} — títulos {titles}" + (
        f"; proposta {_offer_text(offer)}" if offer else "")
    turn.escalate(short, template=template, protocol=turn.data.get("protocol"))
    if protocol is not None:  # the full context in the case's history, next to the status
        protocol.events[-1].note = note


def _case_context(turn: Turn) -> dict:
    titles = [turn.registry.title(ref) for group in turn.data.get("groups", []) for ref in group]
    case = {"message": turn.text[:500], "titles": [
        {"ref": t.ref, "code": t.code, "description": t.description,
         "competence": t.competence.isoformat(), "due_date": t.due_date.isoformat(),
         "days_overdue": days_overdue(t, turn.today), "amount": str(t.amount)} for t in titles]}
    offer = _offer_on_table(turn)
    if offer:
        case["offer"] = offer
    return case


def _offer_on_table(turn: Turn, *, recompute: bool = True) -> dict | None:
    """The last offer shown, as quoted. A plan quoted before its amounts were kept in the
    conversation is recomputed (registry) only when `recompute`."""
    pending = turn.data.get("pending")
    if not pending:
        return None
    offer = {"kind": pending["kind"], "total": pending["total"], "due": pending["due"]}
    if pending["kind"] != "cash":
        offer.update(n=pending["n"])
        if "installment" in pending:
            offer.update(entrada=pending["entrada_amount"], installment=pending["installment"])
        elif recompute:
            plan = _plan_again(turn, pending)
            if isinstance(plan, Plan):
                offer.update(entrada=str(plan.entrada_amount), installment=str(plan.installment_amount))
    return offer


def _left_with_offer(turn: Turn) -> str | tuple[str, str] | None:
    """The history note when the person leaves (sair, tchau, idle, another journey) after
    an offer was shown: a conciliador calling back knows what was on the table. From the
    conversation's data only: leaving must work with the registry down. Agreements already
    closed in this contact (one code done, the next under way) make the protocol `acordo`,
    not cancelled: their boletos are out."""
    offer = _offer_on_table(turn, recompute=False)
    note = None
    if offer is not None:
        codes = turn.data.get("codes") or []
        group = turn.data.get("group", 0)
        code = f" (código {codes[group]})" if group < len(codes) else ""
        note = f"última proposta apresentada{code}: {_offer_text(offer)}"
    done = turn.data.get("agreement_ids") or []
    if done:
        closed = _agreements_note(done)
        return "acordo", f"{closed}; {note}" if note else closed
    return note


def _agreements_note(ids: list[int]) -> str:
    return "acordos: " + ", ".join(str(i) for i in ids)


flow.hook("on_leave")(_left_with_offer)


def _offer_text(offer: dict) -> str:
    due = date.fromisoformat(offer["due"])
    if offer["kind"] == "cash":
        return f"à vista {money(offer['total'])}, venc. {brdate(due)}"
    parts = f"entrada {money(offer['entrada'])} + {offer['n']}x {money(offer['installment'])}" \
        if "entrada" in offer else f"entrada + {offer['n']}x"
    return f"{parts} (total {money(offer['total'])}), venc. {brdate(due)}"


def _case_text(case: dict) -> str:
    titles = "; ".join(
        f"{t['code']} {t['description']} competência {date.fromisoformat(t['competence']):%m/%Y}, "
        f"{t['days_overdue']} dias em atraso, {money(t['amount'])}" for t in case["titles"])
    offer = case.get("offer")
    return f"Títulos: {titles}." + (f" Proposta na mesa: {_offer_text(offer)}." if offer else "")


def _explain_titles(turn: Turn) -> None:
    """'O que é esse título 050?': the titles of the codes named (all those of this
    negotiation when none is), from the registry's data; a code the person does not owe
    is said so, with the codes they do."""
    titles = [turn.registry.title(ref) for group in turn.data["groups"] for ref in group]
    named = set(re.findall(r"\b\d{3}\b", turn.norm))
    shown = [t for t in titles if t.code in named] if named else titles
    turn.say("negotiation/faq_title", titles=[{"t": t, "days": days_overdue(t, turn.today)} for t in shown],
             unknown=sorted(named - {t.code for t in titles}),
             codes=sorted({t.code for t in titles}))


# -- closing ------------------------------------------------------------------------------
def _accepted(turn: Turn) -> None:
    if not _still_as_quoted(turn, _pending_offer(turn)):
        return _requote(turn)
    if turn.data.get("delivery"):
        return _finish(turn)  # a second agreement: address and delivery already settled
    turn.goto("address")
    turn.say("negotiation/confirm_address", address=turn.beneficiary.address)


@flow.state("address")
def address(turn: Turn) -> None:
    answer = yes_no(turn.text)
    if answer is None and not_moved(turn.norm):
        answer = True  # "não mudei", "continua o mesmo"
    if answer is True:
        turn.remember(address_note=None)
        return _ask_delivery(turn)
    candidate = after_yes_no(turn.text) if answer is False else turn.text.strip()
    if looks_like_address(normalize(candidate)):
        return _read_back_address(turn, candidate)
    if answer is False or moved(turn.norm):  # "mudei sim", "moro em outro lugar agora"
        turn.goto("address_new")
        return turn.say("negotiation/ask_address")
    turn.retry("negotiation/address_again")


@flow.state("address_new")
def address_new(turn: Turn) -> None:
    if looks_like_address(turn.norm):
        return _read_back_address(turn, turn.text.strip())
    turn.retry("negotiation/address_invalid")


@flow.state("address_confirm")
def address_confirm(turn: Turn) -> None:
    answer = yes_no(turn.text)
    if answer is True:
        turn.remember(address_note=turn.data["address_candidate"])
        return _ask_delivery(turn)
    candidate = after_yes_no(turn.text) if answer is False else turn.text.strip()
    if looks_like_address(normalize(candidate)):
        return _read_back_address(turn, candidate)
    if answer is False:
        turn.goto("address_new")
        return turn.say("negotiation/ask_address")
    turn.retry("negotiation/address_confirm_again", address=turn.data["address_candidate"])


def _read_back_address(turn: Turn, text: str) -> None:
    # the backoffice updates the registry from it: no "não, moro na" before the street
    candidate = " ".join(without_lead_in(text).split())[:400]
    turn.remember(address_candidate=candidate)
    turn.goto("address_confirm")
    turn.say("negotiation/address_read_back", address=candidate)


def _ask_delivery(turn: Turn) -> None:
    turn.goto("delivery")
    turn.say("negotiation/ask_delivery", phone=_readable_phone(turn.conversation.address),
             email=turn.beneficiary.email)


@flow.state("delivery")
def delivery(turn: Turn) -> None:
    email = _email_in(turn.text)
    if email:
        return _spell_back(turn, email)
    if _email_attempt(turn.text):
        return turn.retry("negotiation/email_invalid")
    norm = turn.norm.strip(" .!")
    other = _phone_in(turn.text)
    # The same line under either spelling (with or without the ninth digit) is "here".
    here = other is not None and other in phones.variants(turn.conversation.address)
    wants_email = norm == "2" or bool(EMAIL.search(norm))
    if norm == "1" or here or (other is None and not wants_email and HERE.search(norm)):
        if turn.conversation.channel not in ("whatsapp", "chat"):
            return turn.retry("negotiation/delivery_again")
        turn.remember(delivery="whatsapp", delivery_address=turn.conversation.address)
        return _finish(turn)
    if other is not None:
        # WhatsApp only lets us write freely to the number in this conversation: the other
        # number is read back and noted for the registry update; the person picks again.
        turn.remember(phone_note=other)
        return turn.say("negotiation/other_phone", phone=_readable_phone(other),
                        here=_readable_phone(turn.conversation.address))
    if wants_email:
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
    email = _email_in(turn.text)
    if email:
        return _spell_back(turn, email)
    if _email_attempt(turn.text):
        return turn.retry("negotiation/email_invalid")
    answer = yes_no(turn.text)
    if answer is True:
        turn.remember(delivery="email", delivery_address=turn.data["email_candidate"])
        return _finish(turn)
    if answer is False:
        turn.goto("email")
        return turn.say("negotiation/ask_email")
    turn.retry("negotiation/email_confirm_again")


def _typed_email(text: str) -> str:
    """An e-mail as people type or dictate it: "fulano arroba gmail ponto com", a comma
    for a dot in the domain ("gmail,com"). Read as meant; it is spelled back to confirm."""
    text = text or ""
    if re.search(r"(?i)\barroba\b", text):
        text = re.sub(r"(?i)\s*\barroba\b\s*", "@", text)
        text = re.sub(r"(?i)(?<=\S)\s+ponto\s+(?=\S)", ".", text)
    while True:
        fixed = re.sub(r"(@[\w.-]+),(?=(?:com|net|org|br|edu|gov|info|biz|io)\b)", r"\1.", text, flags=re.I)
        if fixed == text:
            return text
        text = fixed


def _email_attempt(text: str) -> bool:
    """Something the person meant as an e-mail address, valid or not."""
    return bool(re.search(r"\S@\S", _typed_email(text)))


def _email_in(text: str) -> str | None:
    match = re.search(r"[^\s,;<>]+@[^\s,;<>]+", _typed_email(text))
    if not match:
        return None
    try:
        return validate_email(match.group(0).rstrip("."), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _phone_in(text: str) -> str | None:
    """A Brazilian phone number with area code in the text, as E.164 in its current
    spelling; None if there is none. "Possible", not "valid": libphonenumber calls the old
    eight-digit mobile spelling invalid, yet WhatsApp still delivers many accounts on it."""
    for match in phonenumbers.PhoneNumberMatcher(text or "", "BR", leniency=phonenumbers.Leniency.POSSIBLE):
        if len(str(match.number.national_number)) in (10, 11):
            return phones.canonical(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return None


def _spell_back(turn: Turn, email: str) -> None:
    turn.remember(email_candidate=email)
    turn.goto("email_confirm")
    turn.say("negotiation/spell_email", email=email, letters=" ".join(email))


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
    chosen = _pending_offer(turn)
    if not _still_as_quoted(turn, chosen):
        return _requote(turn)
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
             phone=_readable_phone(agreement.delivery_address) if agreement.delivery == "whatsapp" else None,
             phone_note=_readable_phone(turn.data["phone_note"]) if turn.data.get("phone_note") else None,
             monthly_day=_monthly_day(chosen) if chosen.kind != "cash" else None,
             closing=rules.closing_phrase())
    _send_boletos(turn, agreement, bills)
    if not last:
        turn.remember(group=turn.data["group"] + 1, step=0, deferral_answered=False)
        turn.say("negotiation/next_agreement")
        return _offer_cash(turn)
    turn.say("negotiation/anything_else")
    turn.close_protocol("acordo", _agreements_note(done))
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


# -- campaign replies -------------------------------------------------------------------------
@flow.state("campaign_reply")
def campaign_reply(turn: Turn) -> None:
    answer = yes_no(turn.text, extra_yes=frozenset({"negociar", "quero negociar", "quero", "vamos"}))
    turn.end()
    if answer is True:
        return turn.start_flow("negociacao")
    if answer is False or refuses(turn.norm):
        return turn.say("negotiation/campaign_declined")
    handle_idle(turn)  # not an answer to the invitation: treat it as a fresh message


@flow.button
def campaign_button(turn: Turn) -> bool:
    if turn.message.payload != "negotiate":
        return False
    # start_flow replaces flow, state and data; ending here first would wipe the queued
    # request's protocol when the journey is refused (identity lockout). A journey the
    # button interrupts is given up, its protocol with it (never left "aberto").
    c = turn.conversation
    if c.flow is not None and c.handoff is None:
        turn.close_protocol("cancelado", "trocou de assunto")
    turn.start_flow("negociacao")
    return True
