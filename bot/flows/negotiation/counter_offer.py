"""A counter-offer by amount ("consegue por 1500?", "pago 800 à vista", "se fizer 1000 eu
pago"): answered with what the rules allow closest to it. The discount ladder is climbed
only as far as the amount needs (gradual, as the script asks); below the best the rules
allow, the best is offered and the amount suggested as an entrada when it can be one."""
from __future__ import annotations

from decimal import Decimal

from bot.engine import Turn
from bot.flows.negotiation.context import cash_at, plan_at
from bot.flows.negotiation.offers import offer_cash, offer_plan, pending_cap, plan_again
from bot.flows.negotiation.plans import Plan
from bot.flows.negotiation.refusal import Refusal


def answer_offered_total(turn: Turn, offered: Decimal, cash_only: bool,
                         date_limit: Refusal | None = None) -> None:
    pending = turn.data["pending"]
    step = turn.data["step"]
    top = cash_at(turn, step).max_step
    # A plan on the table (and no "à vista" said): the same plan, one discount step at a
    # time, while its total is above the amount.
    if pending["kind"] != "cash" and not cash_only:
        for s in range(step, top + 1):
            plan = plan_again(turn, pending) if s == step else _plan_at_step(turn, pending, s)
            if isinstance(plan, Plan) and plan.total <= offered:
                turn.remember(step=s)
                if s == step:
                    turn.say("negotiation/counter_offer", offered=offered, met=True,
                             total=plan.total, from_plan=False)
                return offer_plan(turn, plan, date_limit=date_limit, improved=s > step)
    for s in range(step, top + 1):
        offer = cash_at(turn, s)
        if offer.total <= offered:
            turn.remember(step=s)
            if s == step:
                turn.say("negotiation/counter_offer", offered=offered, met=True, total=offer.total,
                         from_plan=pending["kind"] != "cash" and not cash_only)
            return offer_cash(turn, improved=s > step, date_limit=date_limit)
    # Below the best cash price: that price, and the amount as an entrada if it can be one.
    turn.remember(step=top)
    turn.say("negotiation/counter_offer", offered=offered, met=False, total=None, from_plan=False)
    offer_cash(turn, improved=top > step, date_limit=date_limit)
    if isinstance(plan_at(turn, None, offered), Plan):
        turn.say("negotiation/counter_offer_entrada", offered=offered)


def _plan_at_step(turn: Turn, pending: dict, step: int) -> Plan | None:
    """The plan on the table at another discount step: its entrada when it still fits,
    else an even split."""
    for entrada in (pending_cap(turn, pending), None):
        plan = plan_at(turn, pending["n"], entrada, step=step)
        if isinstance(plan, Plan):
            return plan
    return None
