"""Titles and how they make agreements: one agreement per code, the discount band of the
title with the fewest days overdue, and each title's share of a discount. Titles are
duck-typed: anything with code, due_date, principal, interest and fine (the registry's
TitleInfo, or `Title` below)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from bot.flows.negotiation.centavos import CENT, HUNDRED, ZERO, cents
from bot.flows.negotiation.rules_file import Band, NegotiationRules


@dataclass(frozen=True)
class Title:
    code: str
    description: str
    competence: date
    due_date: date
    principal: Decimal
    interest: Decimal
    fine: Decimal
    id: str | int

    def __post_init__(self):
        for name in ("principal", "interest", "fine"):
            value = cents(getattr(self, name))
            if value < 0:
                raise ValueError(f"title {self.id}: {name} must not be negative")
            object.__setattr__(self, name, value)


def days_overdue(title, today: date) -> int:
    return max(0, (today - title.due_date).days)  # not yet due counts as 0


def group_agreements(titles) -> list[list]:
    """Same code → one agreement; different codes → separate agreements (by code)."""
    groups: dict[str, list] = {}
    for title in sorted(titles, key=lambda t: (t.code, t.due_date)):
        groups.setdefault(title.code, []).append(title)
    return [groups[code] for code in sorted(groups)]


def one_agreement(titles) -> list:
    titles = list(titles)
    if not titles:
        raise ValueError("an agreement needs at least one title")
    if len({t.code for t in titles}) > 1:
        raise ValueError("titles of different codes are separate agreements: use group_agreements()")
    return titles


def discount_band(titles, today: date, rules: NegotiationRules, contact_titles=None) -> Band:
    """The band of the title with the FEWEST days overdue (the script's rule): among the
    agreement's titles, or among every title of the contact (`contact_titles`) when the
    rules file says `discount_band_scope: contact`."""
    titles = one_agreement(titles)
    if rules.discount_band_scope == "contact" and contact_titles:
        titles = [*titles, *contact_titles]
    return rules.band_for(min(days_overdue(t, today) for t in titles))


def _share(amounts: list[Decimal], pct: Decimal) -> list[Decimal]:
    """pct% of each amount, adding up to pct% of the total rounded HALF_UP: each part is
    its exact share rounded down, the leftover centavos go one each to the largest cut-off
    fractions, so no title ever gets more than its exact share rounded up."""
    exact = [a * pct / HUNDRED for a in amounts]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    leftover = int((cents(sum(exact, ZERO)) - sum(parts, ZERO)) / CENT)
    for i in sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])[:leftover]:
        parts[i] += CENT
    return parts


@dataclass(frozen=True)
class TitleLine:
    """One title's share of an agreement."""
    title: object
    original: Decimal  # principal + interest + fine
    interest_fine_discount: Decimal
    principal_discount: Decimal

    @property
    def discount(self) -> Decimal:
        return self.interest_fine_discount + self.principal_discount

    @property
    def to_pay(self) -> Decimal:  # without the boleto surcharge
        return self.original - self.discount


def title_lines(titles, interest_fine_pct: Decimal, principal_pct: Decimal) -> tuple[TitleLine, ...]:
    principals = [cents(t.principal) for t in titles]
    extras = [cents(t.interest) + cents(t.fine) for t in titles]
    return tuple(TitleLine(t, p + x, xd, pd) for t, p, x, xd, pd in zip(
        titles, principals, extras, _share(extras, interest_fine_pct), _share(principals, principal_pct)))
