"""Business days in Brazil: weekends and national + state holidays (holidays package).

Only public holidays count; Carnival, Corpus Christi and the like are "pontos
facultativos" (the package's "optional" category) and clinics usually open.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


def _subdivision(state: str | None) -> str | None:
    # A missing or unknown UF falls back to national holidays only: fewer holidays make the
    # ANS deadline earlier, which errs in the beneficiary's favour instead of crashing.
    uf = (state or "").strip().upper()
    return uf if uf in holidays.Brazil.subdivisions else None


@lru_cache(maxsize=128)
def _calendar(subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.Brazil(subdiv=subdivision, years=year)


def is_holiday(day: date, state: str | None) -> bool:
    """A national or state public holiday (clinics closed: no agenda is generated)."""
    return day in _calendar(_subdivision(state), day.year)


def is_business_day(day: date, state: str | None) -> bool:
    return day.weekday() < 5 and not is_holiday(day, state)


def add_business_days(start: date, n: int, state: str | None) -> date:
    """The n-th business day after `start` (start itself never counts, as in "D+n")."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, state):
            remaining -= 1
    return day
