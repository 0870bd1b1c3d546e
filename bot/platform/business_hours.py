"""The team's business hours: per weekday, closed on national and state holidays.

Written the way an operator says it, e.g. ``seg-sex 08:00-18:00; sab 08:00-12:00``
(days: dom seg ter qua qui sex sab; a range of days or a comma list; several periods of a
day separated by commas: ``seg-sex 08:00-12:00,13:00-18:00``).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from bot.platform import clock
from bot.platform.calendar import is_holiday

DAYS = ("seg", "ter", "qua", "qui", "sex", "sab", "dom")  # date.weekday() order
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class BusinessHoursError(ValueError):
    pass


def _day_index(name: str) -> int:
    key = name.strip().lower().replace("á", "a")[:3]
    if key not in DAYS:
        raise BusinessHoursError(f"{name!r} is not a weekday (dom seg ter qua qui sex sab)")
    return DAYS.index(key)


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (_day_index(p) for p in part.split("-", 1))
            span = (last - first) % 7
            days += [(first + i) % 7 for i in range(span + 1)]
        else:
            days.append(_day_index(part))
    return days


def _period(text: str) -> tuple[time, time]:
    m = _PERIOD.match(text.strip())
    if not m:
        raise BusinessHoursError(f"{text!r} is not a period like 08:00-18:00")
    h1, m1, h2, m2 = map(int, m.groups())
    try:
        start, end = time(h1, m1), (time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2))
    except ValueError as exc:
        raise BusinessHoursError(f"{text!r}: {exc}") from None
    if end <= start:
        raise BusinessHoursError(f"{text!r} ends before it starts")
    return start, end


@lru_cache(maxsize=16)
def parse_business_hours(spec: str) -> dict[int, tuple[tuple[time, time], ...]]:
    week: dict[int, list[tuple[time, time]]] = {}
    for clause in filter(None, (c.strip() for c in spec.split(";"))):
        try:
            days_text, periods_text = clause.split(None, 1)
        except ValueError:
            raise BusinessHoursError(f"{clause!r} must be days then hours, e.g. seg-sex 08:00-18:00") from None
        periods = [_period(p) for p in periods_text.split(",")]
        for day in _days(days_text):
            week.setdefault(day, []).extend(periods)
    if not week:
        raise BusinessHoursError("no day has hours")
    return {day: tuple(sorted(periods)) for day, periods in week.items()}


def _periods_on(day: date, spec: str, state: str | None) -> tuple[tuple[time, time], ...]:
    if is_holiday(day, state):
        return ()
    return parse_business_hours(spec).get(day.weekday(), ())


def is_open(moment: datetime, spec: str, state: str | None) -> bool:
    """`moment` in the operator's local time."""
    return any(start <= moment.time() < end for start, end in _periods_on(moment.date(), spec, state))


def next_opening(moment: datetime, spec: str, state: str | None) -> datetime | None:
    """The next local moment the team is in (`moment` itself when open now); None when
    no day in the coming year has hours (cannot happen with a parsed spec but holidays)."""
    if is_open(moment, spec, state):
        return moment
    for offset in range(0, 370):
        day = moment.date() + timedelta(days=offset)
        for start, _end in _periods_on(day, spec, state):
            opening = datetime.combine(day, start)
            if opening > moment:
                return opening
    return None


def closed_until(settings) -> datetime | None:
    """When the team answers next (operator local time), or None while it is in now."""
    local = clock.local_now()
    if is_open(local, settings.business_hours, settings.operator_state):
        return None
    return next_opening(local, settings.business_hours, settings.operator_state)
