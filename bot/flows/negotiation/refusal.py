"""What the rules answer when a request is outside them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.flows.negotiation.plans import Plan


@dataclass(frozen=True)
class Refusal:
    """A request the rules do not allow. reason is one of: max_installments (limit = max n
    for the code) | min_installment (limit = R$ minimum) | min_entrada (limit = the smallest
    entrada with the nearest plan's number of installments: that plan's own entrada) |
    entrada_not_greater (limit = the installment value) | installment_value (the
    installment asked for is below the longest plan's; limit = that value, with surcharge)
    | entrada_too_large (limit = the financed amount) | due_date (limit = the latest due
    date) | due_date_past (a date that has passed; limit = the latest due date) |
    due_date_too_soon (before the first date a boleto can reach the person and be paid;
    limit = the latest due date) | too_small (no plan at all).
    Money limits are negotiated values, without the surcharge: the texts add it, as they
    do to every amount shown. nearest: the closest valid Plan, or None (cash only)."""
    reason: str
    limit: object = None
    nearest: Plan | None = None
