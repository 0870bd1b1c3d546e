"""Negociação de débitos: the rule-bound part of the conciliador's job (seed 004).

Active agreements come first: the next boleto of one that expired within the ATZ window
(1..5 days ago) is reissued, one overdue beyond it goes to a person, the others are told (never "no debts"
to someone with an agreement running); broken ones free their titles
(agreements.py).

Identity (first 3 CPF digits or the script's alternatives) → open titles → a cash offer
first, discounts worked gradually up to the table → installments on request, the nearest
valid plan when a limit gets in the way → address → delivery (WhatsApp number read back,
e-mail spelled back) → summary with the mandatory sentence → agreement, boletos issued and
sent. Different title codes are separate agreements in the same conversation. Anything
outside the rules goes to a supervisor with the context.

This module is the Flow, its entry and the wiring of its states; the handlers live beside
it: offer_answers.py (the offer state), offers.py (quoting), questions.py and
case_notes.py (the script's questions, the supervisor), closing.py (address, delivery,
e-mail), issuing.py (the agreement and its boletos), campaign_reply.py (invitations). The
arithmetic is in the rules modules (rules.py lists them).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from bot.engine import Flow, MenuEntry, Turn
from bot.flows.negotiation import agreements as agreement_life
from bot.flows.negotiation import campaign_reply, closing, offer_answers
from bot.flows.negotiation.case_notes import left_with_offer
from bot.flows.negotiation.context import earliest_due, rules_for
from bot.flows.negotiation.offers import (
    offer_cash,
)
from bot.flows.negotiation.titles import days_overdue, group_agreements
from bot.language.templates import render
from bot.registry.base import RegistryUnavailable
from storage.models import Agreement

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


# -- entry ---------------------------------------------------------------------------------
@flow.on_entry
def start(turn: Turn) -> None:
    rules = rules_for(turn)
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
                  due=earliest_due(turn).isoformat())
    turn.say("negotiation/titles", name=turn.beneficiary.first_name, rules=rules,
             titles=[{"t": t, "days": days_overdue(t, turn.today)} for g in groups for t in g],
             separate=len(groups) > 1, more=bool(turn.scratch.get("agreements_told")))
    offer_cash(turn)


def _settle_agreements(turn: Turn) -> str | None:
    """Before any new negotiation, the person's active agreements: reissue (ATZ) the next
    boleto of one due within the window, hand an overdue one to a person, tell about the
    others. Broken ones release their titles, which are then negotiated as any other."""
    rules = rules_for(turn)
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


# -- states: their handlers live beside this module -------------------------------------------
flow.state("offer")(offer_answers.offer)
flow.state("address")(closing.address)
flow.state("address_new")(closing.address_new)
flow.state("address_confirm")(closing.address_confirm)
flow.state("delivery")(closing.delivery)
flow.state("email")(closing.email_state)
flow.state("email_confirm")(closing.email_confirm)
flow.state("campaign_reply")(campaign_reply.campaign_reply)
flow.button(campaign_reply.campaign_button)
flow.hook("on_leave")(left_with_offer)
