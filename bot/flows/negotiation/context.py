"""What the handlers read of the negotiation under way: the rules, the titles of the
agreement being negotiated, the due date on the table, and the offers at a discount step."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.engine import Turn
from bot.flows.negotiation import rules_file
from bot.flows.negotiation.cash import cash_offer
from bot.flows.negotiation.due_dates import first_due_date
from bot.flows.negotiation.plans import PlanRange, installment_plan, plan_range


def rules_for(turn: Turn):
    return rules_file.of(turn.runtime)


def group_titles(turn: Turn):
    return [turn.registry.title(ref) for ref in turn.data["groups"][turn.data["group"]]]


def contact_titles(turn: Turn):
    """Every title of this contact, for `discount_band_scope: contact`; None otherwise."""
    if rules_for(turn).discount_band_scope != "contact":
        return None
    if "contact_titles" not in turn.scratch:
        turn.scratch["contact_titles"] = [turn.registry.title(ref)
                                          for group in turn.data["groups"] for ref in group]
    return turn.scratch["contact_titles"]


def chosen_due(turn: Turn) -> date:
    return date.fromisoformat(turn.data["due"])


def cash_at(turn: Turn, step: int):
    return cash_offer(group_titles(turn), turn.today, rules_for(turn), step=step, due=chosen_due(turn),
                      contact_titles=contact_titles(turn))


def plan_at(turn: Turn, n: int | None, entrada: Decimal | None, step: int | None = None):
    """A plan at the discount step reached so far (one ladder for cash and installments:
    the cash offer is never above a plan quoted at the same step)."""
    return installment_plan(group_titles(turn), turn.today, rules_for(turn), installments=n,
                            entrada=entrada, due=chosen_due(turn), contact_titles=contact_titles(turn),
                            step=turn.data["step"] if step is None else step)


def allows(turn: Turn) -> PlanRange:
    """The plans this debt allows at the discount step reached: what the texts may
    suggest ("até entrada + 5x", "em 5x", "entrada de 150")."""
    return plan_range(group_titles(turn), turn.today, rules_for(turn), due=chosen_due(turn),
                      contact_titles=contact_titles(turn), step=turn.data["step"])


def earliest_due(turn: Turn) -> date:
    """The first due date this person can meet (`first_due_date`, their state's holidays)."""
    return first_due_date(turn.today, rules_for(turn), turn.beneficiary.state)
