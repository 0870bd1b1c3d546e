"""Due dates of the negotiation's boletos: the window (today .. today + max_due_days),
the first date a boleto can be met (`first_due_date`: the boletos "chegam em até 24
horas"), monthly installments, and the dates people ask for in words."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from bot.flows.negotiation.language import parse_installment_request
from bot.flows.negotiation.refusal import Refusal
from bot.flows.negotiation.rules_file import NegotiationRules
from bot.language.dates import parse_date_request
from bot.platform.calendar import add_business_days


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31/01 + 1 → 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_due_date(today: date, rules: NegotiationRules) -> date:
    """The latest due date the rules allow (today + max_due_days calendar days)."""
    return today + timedelta(days=rules.max_due_days)


def first_due_date(today: date, rules: NegotiationRules, state: str | None = None) -> date:
    """The earliest due date a person can meet, and the first offer's: the boletos "chegam
    em até 24 horas", so the first one is due `min_due_business_days` (2) business days
    after today — a full business day for it to arrive, another to pay it; weekends,
    national holidays and those of the person's `state` skipped — never beyond the window.
    The person may ask for any later day up to `default_due_date` (a concession, like
    discounts), never an earlier one."""
    latest = default_due_date(today, rules)
    return min(add_business_days(today, rules.min_due_business_days, state), latest)


def due_date_for(today: date, rules: NegotiationRules, *, day_of_month: int | None = None,
                 requested: date | int | None = None) -> date | Refusal:
    """The boleto's due date: by default the last allowed day (today + max_due_days); the
    person's date if it is within 0..max_due_days calendar days; a day of the month ("dia
    10", or an int `requested`) means the next such date from today on (today included)."""
    latest = default_due_date(today, rules)
    if isinstance(requested, int):
        day_of_month, requested = requested, None
    if day_of_month is not None:
        requested = None
        for ahead in range(2):  # this month or the next: anything later is beyond the window
            month_start = add_months(today.replace(day=1), ahead)
            if 1 <= day_of_month <= calendar.monthrange(month_start.year, month_start.month)[1]:
                candidate = month_start.replace(day=day_of_month)
                if candidate >= today:
                    requested = candidate
                    break
        if requested is None:
            return Refusal("due_date", limit=latest)
    if requested is None:
        return latest
    if not today <= requested <= latest:
        return Refusal("due_date", limit=latest)
    return requested


def requested_due_date(text: str, today: date, rules: NegotiationRules,
                       state: str | None = None) -> date | Refusal | None:
    """The due date the person asks for in free text, checked against the window: a date,
    a Refusal (`due_date` beyond the window, `due_date_past` already gone,
    `due_date_too_soon` before `first_due_date`: the boleto might not reach them in time),
    or None when the text names no date. "dia 10" / "dia 1º" is the next such day
    (`due_date_for`); "05/12", "sexta", "amanhã", "hoje", "até sexta" are read as the
    scheduling journey reads them (bot.language.dates), except that a dd/mm without year
    is the occurrence nearest to today ("20/11" on 24/11 is four days ago, not next year:
    nobody pays a debt a year ahead); a span ("semana que vem") gives its latest day
    within the window; "a partir de amanhã" the first day from then that can be met."""
    latest = default_due_date(today, rules)
    earliest = first_due_date(today, rules, state)
    day = parse_installment_request(text).day
    if day is not None:
        chosen = due_date_for(today, rules, day_of_month=day)
    else:
        asked = parse_date_request(text, today)
        if asked is None or (asked.from_on and asked.start == today and asked.end is None):
            return None  # no date, or only "o quanto antes": nothing to change
        start = asked.start
        if asked.in_past or _rolled_over_a_year(start, today):
            return Refusal("due_date_past", limit=latest)
        if start > latest:
            return Refusal("due_date", limit=latest)
        if asked.from_on:
            chosen = max(start, earliest)
        else:
            chosen = start if asked.end is None else min(asked.end, latest)
    if isinstance(chosen, date) and chosen < earliest:
        return Refusal("due_date_too_soon", limit=latest)
    return chosen


def _rolled_over_a_year(day: date, today: date) -> bool:
    """A dd/mm without year that the scheduling reader moved to next year because it had
    passed this year (and is nearer to today in its past reading)."""
    try:
        before = day.replace(year=day.year - 1)
    except ValueError:  # 29/02
        return False
    return before < today and (today - before) < (day - today)
