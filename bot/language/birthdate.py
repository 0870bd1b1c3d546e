"""Reading a birth date the way people type it (identity check for unknown phones).

Accepted: day, month and a four-digit year in that order, with any of / - . or blanks
between them or none at all ("5/3/1980", "05-03-1980", "05.03.1980", "05031980"), the
month by name or its abbreviation ("5 de março de 1980", "5 mar 1980", "1º de março de
1980"), and year first as ISO has it ("1980-03-05", "1980/03/05").

Decision: a two-digit year ("05/03/80", "050380") is not guessed. For a birth date the
century is usually obvious, but not always (a 2015 dependent, a 1915 centenarian), and a
wrong guess here spends one of the person's three identity attempts and may lock them
out; asking for the four digits costs one message and no attempt.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.language.text import normalize

_MONTHS = ["janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"]
_MONTH_NUMBER = {**{name: i for i, name in enumerate(_MONTHS, 1)},
                 **{name[:3]: i for i, name in enumerate(_MONTHS, 1)}}
_MONTH_WORD = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))

_SEP = r"\s*[/.\-\s]\s*"
_NUMERIC = re.compile(rf"(?<![\d/.-])(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}})(?![\d/-])")
_ISO = re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")  # year first: y/m/d
_COMPACT = re.compile(r"(?<![\d/.-])(\d{8}|\d{6})(?![\d/-])")
_NAMED = re.compile(rf"\b(\d{{1,2}}|primeiro)o?\s*(?:de\s+|[/.\-]\s*)?({_MONTH_WORD})\b\.?"
                    rf"\s*(?:de\s+|[/.,\-]\s*)?(\d{{4}}|\d{{2}})(?!\d)")
OLDEST_YEAR = 1900


@dataclass(frozen=True)
class BirthDate:
    """`value` when the text is a usable date; otherwise `problem` says why not:
    "unreadable", "short_year", "impossible" (31/02, month 13), "too_old" (before 1900)
    or "future".
    `typed` is the day/month/year as understood, for the reply."""

    value: date | None = None
    problem: str | None = None
    typed: str | None = None


def parse(text: str, today: date) -> BirthDate:
    norm = normalize(text)
    parts = _parts(norm)
    if parts is None:
        return BirthDate(problem="unreadable")
    day, month, year, short = parts
    typed = f"{day:02d}/{month:02d}/{year:02d}" if short else f"{day:02d}/{month:02d}/{year:04d}"
    if short:
        return BirthDate(problem="short_year", typed=typed)
    if year < OLDEST_YEAR and 1 <= month <= 12 and 1 <= day <= 31:
        return BirthDate(problem="too_old", typed=typed)  # date() stops at year 1
    try:
        value = date(year, month, day)
    except ValueError:
        return BirthDate(problem="impossible", typed=typed)
    if value.year < OLDEST_YEAR:
        return BirthDate(problem="too_old", typed=typed)
    if value > today:
        return BirthDate(problem="future", typed=typed)
    return BirthDate(value=value, typed=typed)


def _parts(norm: str) -> tuple[int, int, int, bool] | None:
    """Day, month, year and whether the year was typed with two digits (refused by parse();
    "0080" has four)."""
    if m := _ISO.search(norm):
        return int(m.group(4)), int(m.group(3)), int(m.group(1)), False
    if m := _NAMED.search(norm):
        day = 1 if m.group(1) == "primeiro" else int(m.group(1))
        return day, _MONTH_NUMBER[m.group(2)], int(m.group(3)), len(m.group(3)) == 2
    if m := _NUMERIC.search(norm):
        return int(m.group(1)), int(m.group(2)), int(m.group(3)), len(m.group(3)) == 2
    if m := _COMPACT.search(norm):
        d = m.group(1)
        return int(d[:2]), int(d[2:4]), int(d[4:]), len(d) == 6
    return None
