"""The person's answer to the offer on the table: yes, no, a question, "está caro",
"vou pensar", another way of paying or another due date."""
from __future__ import annotations

from bot.engine import Turn
from bot.flows.negotiation.closing import accepted
from bot.flows.negotiation.context import allows, cash_at, chosen_due, earliest_due, rules_for
from bot.flows.negotiation.counter_offer import answer_offered_total
from bot.flows.negotiation.due_dates import default_due_date, requested_due_date
from bot.flows.negotiation.language import (
    accepts,
    defers,
    parse_installment_request,
    refuses,
    wants_discount,
)
from bot.flows.negotiation.offers import (
    improve,
    offer_cash,
    offer_installments,
    offer_installments_within,
    pending_cap,
)
from bot.flows.negotiation.questions import answer_question
from bot.flows.negotiation.refusal import Refusal
from bot.language.intents import yes_no

# Besides a plain yes (bot.language.intents.yes_no), what accepts the offer on the table.
ACCEPT = frozenset({"aceito", "fechado", "fechar", "fecha", "pode fechar", "vamos fechar",
                    "consigo", "quero", "vamos", "combinado", "sim consigo", "sim aceito",
                    "bora", "topo", "fechamos", "pode mandar", "manda", "consigo sim"})


# -- the offer ----------------------------------------------------------------------------
def offer(turn: Turn) -> None:
    if answer_question(turn):
        return
    if refuses(turn.norm) and not (defers(turn.norm) and wants_discount(turn.norm)):
        return _deferred(turn) if defers(turn.norm) else _declined(turn)
    request = parse_installment_request(turn.text)
    # Every request in the message counts ("dia 10, em 5x"): a date past or beyond the
    # window is explained and the due date stays as it was; the rest is quoted with it.
    date_limit, new_due = _settle_due_date(turn)
    only_a_date = not (request.wants_installments or request.entrada or request.wants_cash
                       or request.offered_total)
    if date_limit is not None and only_a_date and not wants_discount(turn.norm):
        # Only a date, and it cannot be accepted: explain, nothing else changes.
        return turn.reject("negotiation/due_date_limit", refusal=date_limit, earliest=earliest_due(turn),
                           days=rules_for(turn).max_due_days, kept=chosen_due(turn), alone=True)
    if request.installment_value:
        return offer_installments_within(turn, request.installment_value, request.entrada, date_limit)
    if request.installments or request.entrada:
        return offer_installments(turn, request.installments, request.entrada, date_limit)
    if request.offered_total:
        return answer_offered_total(turn, request.offered_total, request.wants_cash, date_limit)
    if wants_discount(turn.norm):
        return improve(turn, date_limit)
    if request.wants_installments:
        return offer_installments(turn, None, None, date_limit)
    pending = turn.data["pending"]
    if request.wants_cash or (new_due and pending["kind"] == "cash"):
        return offer_cash(turn, date_limit=date_limit)
    if new_due:
        return offer_installments(turn, pending["n"], pending_cap(turn, pending), date_limit)
    answer = yes_no(turn.text, extra_yes=ACCEPT)
    if answer is None and accepts(turn.text):
        answer = True  # "consigo pagar", "fechou", "tá bom"
    if answer is True:
        return accepted(turn)
    if answer is False:
        # "Consegue pagar até essa data?" — "não" answers the date, not the price: no
        # discount for it. Say how far the date goes and what else is possible.
        return turn.retry("negotiation/no_to_offer", latest=default_due_date(turn.today, rules_for(turn)),
                          days=rules_for(turn).max_due_days, kind=pending["kind"], allows=allows(turn))
    turn.retry("negotiation/offer_help", latest=default_due_date(turn.today, rules_for(turn)),
               allows=allows(turn))


def _settle_due_date(turn: Turn) -> tuple[Refusal | None, bool]:
    """The due date the message asks for: (refusal to explain, whether a new date was
    taken). A refused date leaves the one on the table unchanged."""
    due = requested_due_date(turn.text, turn.today, rules_for(turn), turn.beneficiary.state)
    if due is None:
        return None, False
    if isinstance(due, Refusal):
        return due, False
    turn.remember(due=due.isoformat())
    return None, True


def _declined(turn: Turn, note: str = "beneficiário recusou a proposta") -> None:
    """'Não quero', 'sem interesse': thanked, told the door stays open (a later "negociar"
    starts again), the protocol concluded without agreement, with the reason. Nothing is
    pressed."""
    rules = rules_for(turn)
    turn.say("negotiation/declined", name=turn.beneficiary.first_name, rules=rules)
    turn.close_protocol("concluido", f"sem acordo: {note} ({turn.text[:80]!r})")
    turn.end()


def _deferred(turn: Turn) -> None:
    """'Vou pensar', 'agora não', 'não tenho dinheiro agora': the script works the discount
    gradually, so once per negotiation the next step of the ladder is offered (the plan on
    the table improved, else the cash offer) before letting the person go; when the table
    has nothing more, or after that once, the polite close of `_declined`."""
    if not turn.data.get("deferral_answered") and not cash_at(turn, turn.data["step"]).is_max_discount:
        turn.remember(deferral_answered=True)
        turn.say("negotiation/deferral_offer", name=turn.beneficiary.first_name)
        return improve(turn)
    _declined(turn, "beneficiário preferiu deixar para depois")
