"""Dates as people write them in pt-BR: 'amanhã', 'sexta', '15/12', 'dia 3',
'semana que vem', 'a partir de 10/12', 'o quanto antes'.

dd/mm without a year means this year, or next year when that day has passed (nobody books
in the past); an explicit past date comes back flagged `in_past` so the flow can say so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.text import normalize

WEEKDAYS = {"segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4, "sabado": 5, "domingo": 6}
_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b")
_DAY_OF_MONTH = re.compile(r"\bdia (\d{1,2})\b")
_ASAP = ("o quanto antes", "mais proximo", "mais cedo", "qualquer data", "qualquer dia",
         "primeiro horario", "proximo horario", "mais rapido", "qualquer")


@dataclass(frozen=True)
class DateRequest:
    start: date
    end: date | None = None  # None: open-ended ("a partir de", "o quanto antes")
    from_on: bool = False
    in_past: bool = False


def parse_date_request(text: str, today: date) -> DateRequest | None:
    norm = normalize(text)
    if not norm:
        return None
    from_on = "a partir" in norm or "depois de" in norm and "depois de amanha" not in norm
    if any(p in norm for p in _ASAP):
        return DateRequest(start=today, end=None, from_on=True)
    day = _single_day(norm, today)
    if isinstance(day, DateRequest):
        return day
    if day is None:
        if "semana que vem" in norm or "proxima semana" in norm:
            monday = today + timedelta(days=7 - today.weekday())
            return DateRequest(start=monday, end=None if from_on else monday + timedelta(days=6),
                               from_on=from_on)
        if "esta semana" in norm or "essa semana" in norm:
            return DateRequest(start=today, end=today + timedelta(days=6 - today.weekday()))
        return None
    if day < today:
        return DateRequest(start=day, end=day, in_past=True)
    return DateRequest(start=day, end=None if from_on else day, from_on=from_on)


def _single_day(norm: str, today: date):
    if "depois de amanha" in norm:
        return today + timedelta(days=2)
    if "amanha" in norm:
        return today + timedelta(days=1)
    if re.search(r"\bhoje\b", norm):
        return today
    m = _NUMERIC.search(norm)
    if m:
        d, mth, y = int(m.group(1)), int(m.group(2)), m.group(3)
        try:
            if y:
                year = int(y) + (2000 if len(y) == 2 else 0)
                return date(year, mth, d)
            candidate = date(today.year, mth, d)
            return candidate if candidate >= today else date(today.year + 1, mth, d)
        except ValueError:
            return None
    m = _DAY_OF_MONTH.search(norm)
    if m:
        n = int(m.group(1))
        for months_ahead in range(0, 3):
            month_index = today.month - 1 + months_ahead
            year, month = today.year + month_index // 12, month_index % 12 + 1
            try:
                candidate = date(year, month, n)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
        return None
    for name, weekday in WEEKDAYS.items():
        if re.search(rf"\b{name}(-feira| feira)?\b", norm):
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    return None
