"""Putting offers on the table: the cash offer, a plan, the next discount step, and
quoting again what no longer holds. The offer on the table (`pending`) is always the one
quoted last, so a following "sim" accepts exactly it."""
from __future__ import annotations

from decimal import Decimal

from bot.engine import Turn
from bot.flows.negotiation.context import (
    allows,
    cash_at,
    chosen_due,
    earliest_due,
    group_titles,
    plan_at,
    rules_for,
)
from bot.flows.negotiation.due_dates import default_due_date
from bot.flows.negotiation.plans import Plan
from bot.flows.negotiation.refusal import Refusal


def offer_cash(turn: Turn, improved: bool = False, from_plan: bool = False,
               date_limit: Refusal | None = None, plan_discount: Decimal | None = None) -> None:
    titles = group_titles(turn)
    offer = cash_at(turn, turn.data["step"])
    put_cash_on_table(turn, offer)
    say_date_limit(turn, date_limit)
    turn.say("negotiation/cash_offer", offer=offer, code=titles[0].code, improved=improved,
             from_plan=from_plan, plan_discount=plan_discount, description=titles[0].description,
             count=len(titles), allows=allows(turn),
             latest=default_due_date(turn.today, rules_for(turn)))


def put_cash_on_table(turn: Turn, offer) -> None:
    turn.remember(step=offer.step, pending={"kind": "cash", "step": offer.step,
                                            "total": str(offer.total),
                                            "due": offer.due_date.isoformat()})
    turn.goto("offer")


def offer_plan(turn: Turn, plan: Plan, refusal: Refusal | None = None,
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
    say_date_limit(turn, date_limit)
    turn.say("negotiation/plan_offer", plan=plan, refusal=refusal, rules=rules_for(turn),
             monthly_day=monthly_day(plan), improved=improved, allows=allows(turn))


def say_date_limit(turn: Turn, date_limit: Refusal | None) -> None:
    """The date asked for is past or beyond the window: say so. The due date on the table
    stays what it was (the person picks another day, or accepts it)."""
    if date_limit is not None:
        turn.say("negotiation/due_date_limit", refusal=date_limit, earliest=earliest_due(turn),
                 days=rules_for(turn).max_due_days, kept=chosen_due(turn), alone=False)


def monthly_day(plan: Plan) -> int | None:
    """The installments' common day of the month, or None when month ends moved some
    (an entrada on the 31st: 28/02, 31/03 …), so "todo dia N" is never wrong."""
    days = {b.due_date.day for b in plan.boletos[1:]}
    return days.pop() if len(days) == 1 else None


def pending_offer(turn: Turn):
    """The offer on the table, computed again now: a CashOffer, a Plan, or None when the
    rules no longer allow it (e.g. the due date left the window overnight)."""
    pending = turn.data["pending"]
    if pending["kind"] == "cash":
        return cash_at(turn, pending["step"])
    plan = plan_again(turn, pending)
    return plan if isinstance(plan, Plan) else None


def plan_again(turn: Turn, pending: dict):
    """The plan on the table rebuilt from its own entrada (an entrada of ours, never
    rounded below), so today it comes out to exactly the same boletos."""
    return plan_at(turn, pending["n"], Decimal(pending["entrada"]) + rules_for(turn).boleto_surcharge,
                   step=pending.get("step", turn.data["step"]))


def _better_plan(turn: Turn, pending: dict) -> Plan | None:
    """The plan on the table one discount step up: the same number of installments, with
    its entrada when that still fits, else an even split."""
    step = turn.data["step"] + 1
    for entrada in (pending_cap(turn, pending), None):
        plan = plan_at(turn, pending["n"], entrada, step=step)
        if isinstance(plan, Plan):
            return plan
    return None


def still_as_quoted(turn: Turn, offer) -> bool:
    """The offer on the table holds today as quoted: same total, same due date, and that
    date can still be met (an offer quoted yesterday for the day after tomorrow cannot)."""
    pending = turn.data["pending"]
    return offer is not None and str(offer.total) == pending.get("total") and \
        offer.due_date.isoformat() == pending.get("due") and offer.due_date >= earliest_due(turn)


def requote(turn: Turn) -> None:
    """What was quoted no longer holds (the day changed: another discount band, another
    due-date window). Never close on different values than the person saw: quote again."""
    pending = turn.data["pending"]
    turn.say("negotiation/requoted")
    turn.remember(due=earliest_due(turn).isoformat())
    if pending["kind"] == "cash":
        return offer_cash(turn)
    offer_installments(turn, pending["n"], pending_cap(turn, pending))


def pending_cap(turn: Turn, pending: dict) -> Decimal:
    """The entrada boleto of the plan on the table, as the person saw it."""
    return Decimal(pending["entrada"]) + rules_for(turn).boleto_surcharge


def offer_installments(turn: Turn, n: int | None, entrada: Decimal | None,
                       date_limit: Refusal | None = None) -> None:
    result = plan_at(turn, n, entrada)
    if isinstance(result, Plan):
        return offer_plan(turn, result, date_limit=date_limit)
    if result.nearest is None:
        say_date_limit(turn, date_limit)
        turn.say("negotiation/refused", refusal=result, rules=rules_for(turn), nearest=None)
        return offer_cash(turn)
    offer_plan(turn, result.nearest, refusal=result, date_limit=date_limit)


def offer_installments_within(turn: Turn, value: Decimal, entrada: Decimal | None,
                              date_limit: Refusal | None = None) -> None:
    """'Só consigo 80 por mês': the fewest installments whose boleto fits the value; when
    even the longest plan's is above it, that plan, saying its installment is the least."""
    max_n = rules_for(turn).max_installments(group_titles(turn)[0].code)
    for n in range(1, max_n + 1):
        plan = plan_at(turn, n, entrada)
        if isinstance(plan, Plan) and plan.installment_amount <= value:
            return offer_plan(turn, plan, date_limit=date_limit)
    longest = plan_at(turn, None, entrada)
    if not isinstance(longest, Plan):
        return offer_installments(turn, None, entrada, date_limit)
    offer_plan(turn, longest, refusal=Refusal("installment_value", limit=value, nearest=longest),
               date_limit=date_limit)


def improve(turn: Turn, date_limit: Refusal | None = None) -> None:
    """'Está caro': the next step of the ladder, never beyond the table — the plan on the
    table improved while its discount can grow, else the cash offer. The offer on the
    table is always the one quoted last, so a following "sim" accepts exactly it."""
    pending = turn.data["pending"]
    current = cash_at(turn, turn.data["step"])
    plan = plan_again(turn, pending) if pending["kind"] != "cash" else None
    plan = plan if isinstance(plan, Plan) else None
    if plan is not None and not current.is_max_discount:
        better = _better_plan(turn, pending)
        if better is not None and better.discount > plan.discount:
            turn.remember(step=turn.data["step"] + 1)
            return offer_plan(turn, better, date_limit=date_limit, improved=True)
    if not current.is_max_discount:
        turn.remember(step=turn.data["step"] + 1)
        return offer_cash(turn, improved=True, from_plan=pending["kind"] != "cash",
                          date_limit=date_limit, plan_discount=plan.discount if plan else None)
    say_date_limit(turn, date_limit)
    if plan is None:
        put_cash_on_table(turn, current)
        return turn.say("negotiation/best_offer", offer=current, allows=allows(turn))
    if plan.due_date.isoformat() != pending["due"]:
        offer_plan(turn, plan)  # a new date came with it: the plan as it stands now
    turn.say("negotiation/best_plan", best_cash=current, plan=plan)
