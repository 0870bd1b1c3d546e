"""Business days in Brazil: weekends and national + state holidays (holidays package)."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _calendar(state: str, year: int):
    return holidays.Brazil(subdiv=state or None, years=year)


def is_business_day(day: date, state: str) -> bool:
    return day.weekday() < 5 and day not in _calendar(state, day.year)


def add_business_days(start: date, n: int, state: str) -> date:
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, state):
            remaining -= 1
    return day


def ans_deadline(today: date, specialty, state: str) -> date:
    """Last day by which the ANS-guaranteed appointment must be offered (RN 566/2022)."""
    return add_business_days(today, specialty.deadline_business_days, state)
