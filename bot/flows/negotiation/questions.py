"""The script's questions in the middle of the offer, and the cases that go to a
supervisor with their context."""
from __future__ import annotations

import re

from bot.engine import Turn
from bot.flows.negotiation.case_notes import case_context, case_text, offer_text
from bot.flows.negotiation.context import allows, group_titles, rules_for
from bot.flows.negotiation.language import (
    question_topic,
)
from bot.flows.negotiation.titles import days_overdue


def answer_question(turn: Turn) -> bool:
    rules = rules_for(turn)
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
        turn.say("negotiation/back_to_offer", allows=allows(turn))
        return True
    # Every code of this contact, not only the agreement under way: "vai bloquear a
    # carteirinha?" is about all the person owes here.
    codes = set(turn.data.get("codes") or []) or {t.code for t in group_titles(turn)}
    turn.say(f"negotiation/faq_{topic}", rules=rules,
             non_blocking=sorted(codes & set(rules.non_blocking_codes)),
             blocking=sorted(codes - set(rules.non_blocking_codes)))
    turn.say("negotiation/back_to_offer", allows=allows(turn))
    return True


def _to_supervisor(turn: Turn, why: str, template: str) -> None:
    """A case the rules do not cover goes to a supervisor with its context: what the person
    said, the titles (code, description, competência, days overdue, amount) and the offer
    on the table — in the case's protocol (details and history) and, shortened, in the
    queue's reason; the person is told the protocol."""
    case = case_context(turn)
    note = f"negociação: {why}. Mensagem: {turn.text[:200]!r}. " + case_text(case)
    protocol = turn.protocol
    if protocol is not None:
        protocol.details = {**(protocol.details or {}), "negotiation_case": case}
    titles = ", ".join(sorted({t["code"] for t in case["titles"]}))
    offer = case.get("offer")
    short = f"negociação: {why} — títulos {titles}" + (
        f"; proposta {offer_text(offer)}" if offer else "")
    turn.escalate(short, template=template, protocol=turn.data.get("protocol"))
    if protocol is not None:  # the full context in the case's history, next to the status
        protocol.events[-1].note = note


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
