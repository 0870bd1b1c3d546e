"""The cash offer and its discount ladder, worked gradually ("trabalhe o desconto de
forma gradativa")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.flows.negotiation.centavos import ZERO
from bot.flows.negotiation.due_dates import default_due_date
from bot.flows.negotiation.rules_file import Band, NegotiationRules
from bot.flows.negotiation.titles import TitleLine, discount_band, one_agreement, title_lines


@dataclass(frozen=True)
class CashOffer:
    step: int
    max_step: int
    original: Decimal  # principal + interest + fine
    discount: Decimal
    total: Decimal  # what the person pays: original - discount + surcharge
    due_date: date
    surcharge: Decimal = ZERO
    lines: tuple[TitleLine, ...] = ()  # per-title breakdown; discounts add up to `discount`
    kind: str = "cash"

    @property
    def is_max_discount(self) -> bool:
        return self.step >= self.max_step

    @property
    def total_to_pay(self) -> Decimal:
        return self.total

    @property
    def breakdown(self) -> tuple[TitleLine, ...]:
        return self.lines


Offer = CashOffer


def cash_ladder(band: Band) -> list[tuple[Decimal, Decimal]]:
    """Discount steps (interest+fine %, principal %): first nothing, then the band's
    interest+fine discount, then also its principal discount — each step only if the band
    grants it, so a 0–90 band has the single step 0 and is at its maximum at once."""
    steps = [(Decimal(0), Decimal(0))]
    if band.cash_interest_fine_pct > 0:
        steps.append((band.cash_interest_fine_pct, Decimal(0)))
    if band.cash_principal_pct > 0:
        steps.append((band.cash_interest_fine_pct, band.cash_principal_pct))
    return steps


def cash_offer(titles, today: date, rules: NegotiationRules, *, step: int = 0,
               due: date | None = None, due_date: date | None = None,
               contact_titles=None) -> CashOffer:
    """The cash offer at `step` of the ladder (clamped: asking beyond the last step gives
    the maximum discount again). `due`/`due_date` come from `due_date_for`; one outside
    the window (e.g. kept from an old session) gives way to the default due date, so no
    offer ever breaks the 7-day rule."""
    titles = one_agreement(titles)
    latest = default_due_date(today, rules)
    due = due or due_date
    due = due if due is not None and today <= due <= latest else latest
    ladder = cash_ladder(discount_band(titles, today, rules, contact_titles))
    step = max(0, min(step, len(ladder) - 1))
    lines = title_lines(titles, *ladder[step])
    original = sum((x.original for x in lines), ZERO)
    discount = sum((x.discount for x in lines), ZERO)
    return CashOffer(step=step, max_step=len(ladder) - 1, original=original, discount=discount,
                     total=original - discount + rules.boleto_surcharge,
                     due_date=due,
                     surcharge=rules.boleto_surcharge, lines=lines)


cash_offers = cash_offer  # the name the design notes use
