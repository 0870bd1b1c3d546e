"""Dates as people write them in pt-BR: 'amanhã', 'sexta', '15/12', '15 de dezembro',
'dia 3', 'semana que vem', 'a partir de 10/12', 'até sexta', 'o quanto antes'.

Rules (kept simple on purpose, the flow shows what it understood):
- a weekday name means the next such day; today counts only when the text says "hoje";
- dd/mm without a year is this year, or next year when that day has passed (nobody books
  in the past); "dia N" is the next day N on or after today;
- an explicit year in the past, "ontem", "semana passada" come back flagged `in_past` so
  the flow can say so;
- a day that does not exist ("30/02", "31 de novembro", "dia 32", "29/02" when the next
  February has 28 days), when the text names no real day, comes back flagged `impossible`
  with the words as written (`written`), so the flow names it instead of dropping it;
- a range may give the month once: "entre 10 e 15/12", "de 10 a 15 de dezembro", "do dia 10
  ao dia 15" are 10/12–15/12 (the first day takes the second's month, or the month before
  when it is larger: "de 28 a 3/1"); a range is rolled forward only when its end has passed;
- "a partir de X" is X onwards; "depois de X"/"após X" is the day after X onwards; "antes
  de X" is today up to the day before X; "natal", "ano novo", "véspera de natal" are dates;
- "essa semana" is today up to Sunday — on a Sunday (where a Brazilian week begins), up to
  Saturday;
- chat spellings count ("semana q vem", "hj", "dps de amanhã", "prox semana");
- "daqui a N dias" / "em N dias" is that day; "daqui a N semanas" / "meses" is from that
  day on (the person gives a rough distance, not a date); "dentro de N semanas" is from
  today up to that day;
- the period of the day ("de manhã", "sexta à tarde", "à noite") and clock times
  ("depois das 16h", "antes das 10h", "entre 14h e 16h", "às 15h") are read apart from the
  dates (`parse_day_period`): manhã before 12h, tarde 12h–18h, noite from 18h; a clock
  time wins over a named period and is never read as a date ("depois das 16h" is not
  "from tomorrow on"). Spoken times count: "9 e meia", "oito e meia", "meio-dia",
  "duas da tarde", and a bare hour after "às"/"das" ("às 8", "o das 15", "a partir das 14",
  "antes das 10") — days are masculine ("do dia 10"), hours feminine ("das 10 horas").
  `parse_clock_time` gives the one time named ("às 15h", "9:30"), for choosing from a list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from bot.language.clock_times import clock_time, day_period
from bot.language.clock_times import in_day_period as in_day_period  # re-exported
from bot.language.clock_times import without_clock
from bot.language.text import normalize


@dataclass(frozen=True)
class DateRequest:
    start: date
    end: date | None = None  # inclusive; None means open-ended
    from_on: bool = False  # "a partir de", "o quanto antes": start onwards
    in_past: bool = False  # an explicit date that has already passed
    # A day that does not exist ("30/02"): `written` is how the text wrote it. Such a
    # request reads, to a caller that ignores the flag, as "o quanto antes" (from today on,
    # no end) — never as a real day.
    impossible: bool = False
    written: str = ""


WEEKDAYS = {"segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4, "sabado": 5,
            "domingo": 6}
MONTHS = {"janeiro": 1, "fevereiro": 2, "marco": 3, "abril": 4, "maio": 5, "junho": 6,
          "julho": 7, "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11,
          "dezembro": 12}

_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?\b")
_MONTH_NAME = re.compile(
    rf"\b(?:dia )?(\d{{1,2}}) (?:de )?({'|'.join(MONTHS)})(?: (?:de )?(\d{{4}}))?\b")
_DAY_OF_MONTH = re.compile(r"\bdia (\d{1,2})\b")
# The bare first day of a range whose second day carries the month: "entre 10 e 15/12",
# "de 10 a 15 de dezembro", "do dia 10 ao dia 15". Group 2 is where the second day starts.
_BARE_RANGE_START = re.compile(r"\b(?:entre|de|do|desde)(?: o)?(?: dia)? (\d{1,2}) "
                               r"(?=(?:e|a|ao|ate)(?: o)? ((?:dia )?\d))")
# Without a lead word ("10 a 15/12", "dia 10 até 15 de dezembro") only "a/ao/até" joins,
# and the second day must carry its month: "10 e 15" may be two days, "10 a tarde" a time.
_LEADLESS_RANGE_START = re.compile(
    rf"(?<![/.-])\b(?:dias? )?(\d{{1,2}}) (?=(?:a|ao|ate)(?: o)? ((?:dia )?\d{{1,2}}(?:[/.-]\d|"
    rf" (?:de )?(?:{'|'.join(MONTHS)})\b)))")
# "segunda via", "segunda opção" are ordinals, not Monday.
_WEEKDAY = re.compile(rf"\b({'|'.join(WEEKDAYS)})(?:[- ]?feira)?\b"
                      r"(?! (?:via|opcao|vez|alternativa|vaga|parcela)\b)")
_RELATIVE = re.compile(r"\b(depois de amanha|amanha|hoje|hj|anteontem|ontem)\b")
_RELATIVE_DAYS = {"hoje": 0, "hj": 0, "amanha": 1, "depois de amanha": 2, "ontem": -1,
                  "anteontem": -2}

# Days people name instead of writing the date: "depois do natal", "antes do ano novo".
NAMED_DAYS = {"vespera de natal": (24, 12), "natal": (25, 12), "vespera de ano novo": (31, 12),
              "reveillon": (31, 12), "ano novo": (1, 1)}
# "em Natal" is the city (RN) and "pré-natal" a gynaecology visit, not Christmas.
_NAMED_DAY = re.compile(rf"(?<!\bem )(?<!\bpre )(?<!\bpre-)\b({'|'.join(NAMED_DAYS)})\b")
_BEFORE = re.compile(r"\bantes d[eoa]s?\b")

_LAST_PERIOD = re.compile(r"\b(?:semana passada|mes passado|ano passado)\b")
_NEXT_WEEK = re.compile(r"\b(?:semana que vem|proxima semana|semana seguinte)\b")
_THIS_WEEK = re.compile(r"\b(?:esta|essa|nesta|nessa) semana\b")
_NEXT_MONTH = re.compile(r"\b(?:mes que vem|proximo mes|mes seguinte)\b")
_THIS_MONTH = re.compile(r"\b(?:este|esse|neste|nesse) mes\b")
_FROM_ON = re.compile(r"\b(?:a partir d[eoa]s?|de .+ em diante|em diante)\b")
_AFTER = re.compile(r"\b(?:depois d[eoa]s?(?! amanha)|apos)\b")
_UNTIL = re.compile(r"\bate\b")
_BETWEEN = re.compile(r"\bentre\b|\b(?:de|do|da) .+ (?:a|ao|ate) |\b\d{1,2} (?:a|ao|ate) (?:o )?(?:dia )?\d")
_ASAP = re.compile(r"\b(?:o quanto antes|quanto antes|o mais rapido|mais rapido|mais cedo|"
                   r"mais proxim[oa]|qualquer|tanto faz|primeir[oa] (?:data|vaga|horario)|"
                   r"proxim[oa] (?:vaga|horario|data) disponivel)\b")


# "daqui a 2 semanas", "daqui uns 15 dias", "em duas semanas", "dentro de 1 mês".
NUMBER_WORDS = {"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5,
                "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "quinze": 15,
                "vinte": 20, "trinta": 30}
_COUNT = rf"(\d{{1,2}}|{'|'.join(NUMBER_WORDS)})"
_OFFSET = re.compile(rf"\b(?:daqui(?: a)?|em|dentro de)(?: u(?:n|m)as?| u(?:n|m)s?)? {_COUNT} "
                     r"(dias?|semanas?|mes|meses)\b")
_WITHIN = re.compile(r"\bdentro de\b")

# Dictated days: "dia dez", "no dia primeiro", "dia vinte e cinco de dezembro".
_UNITS = ["um", "dois", "tres", "quatro", "cinco", "seis", "sete", "oito", "nove"]
DAY_WORDS = {"primeiro": 1, **{w: i for i, w in enumerate(_UNITS, 1)}, "dez": 10,
             "onze": 11, "doze": 12, "treze": 13, "quatorze": 14, "catorze": 14, "quinze": 15,
             "dezesseis": 16, "dezessete": 17, "dezoito": 18, "dezenove": 19, "vinte": 20,
             **{f"vinte e {w}": 20 + i for i, w in enumerate(_UNITS, 1)}, "trinta": 30,
             "trinta e um": 31}
_SPELLED_DAY = re.compile(
    rf"\bdia ({'|'.join(sorted(DAY_WORDS, key=len, reverse=True))})\b")


# Chat spellings of the words the patterns look for, replaced word by word.
INFORMAL = {"q": "que", "hj": "hoje", "dps": "depois", "prox": "proxima", "proxa": "proxima",
            "amnh": "amanha", "amanh": "amanha", "qlq": "qualquer", "qq": "qualquer",
            "qqr": "qualquer", "qlqr": "qualquer", "vc": "voce", "pra": "para", "pro": "para o"}
_WORD = re.compile(r"[a-z]+")


def expand_informal(norm: str) -> str:
    """'semana q vem' -> 'semana que vem', 'dps de amanha' -> 'depois de amanha'."""
    return _WORD.sub(lambda m: INFORMAL.get(m.group(0), m.group(0)), norm)


def parse_date_request(text: str, today: date) -> DateRequest | None:
    """What dates the person wants, or None when the text names no date."""
    norm = without_clock(expand_informal(normalize(text)))
    norm = _SPELLED_DAY.sub(lambda m: f"dia {DAY_WORDS[m.group(1)]}", norm)
    if not norm.strip():
        return None
    days = _mentions(norm, today)
    if not days and (written := _impossible_day(norm, today)):
        return DateRequest(start=today, end=None, from_on=True, impossible=True, written=written)
    after = bool(_AFTER.search(norm))
    from_on = after or bool(_FROM_ON.search(norm))
    if len(days) >= 2 and _BETWEEN.search(norm):  # "entre 10/12 e 15/12", "de sexta a terça"
        return _range(days[0], days[1], today)
    if days:
        day, explicit = days[0].day, days[0].explicit
        if after:
            return _request(day + timedelta(days=1), None, True, today, explicit)
        if from_on:
            return _request(day, None, True, today, explicit)
        if _UNTIL.search(norm) or _WITHIN.search(norm):  # "até sexta": today up to that day
            return _request(today, day, False, today, explicit)
        if _BEFORE.search(norm) and day > today:  # "antes do natal": up to the day before
            return _request(today, day - timedelta(days=1), False, today, explicit)
        if days[0].onwards:  # "daqui a 2 semanas": roughly then, so from that day on
            return _request(day, None, True, today, explicit)
        return _request(day, day, False, today, explicit)
    if _LAST_PERIOD.search(norm):
        return DateRequest(start=today, end=today, in_past=True)
    span = _period(norm, today)
    if span:
        start, end = span
        if after:
            return DateRequest(start=end + timedelta(days=1), end=None, from_on=True)
        return DateRequest(start=start, end=None if from_on else end, from_on=from_on)
    if _ASAP.search(norm):
        return DateRequest(start=today, end=None, from_on=True)
    return None


def _range(first: _Mention, second: _Mention, today: date) -> DateRequest:
    start, end = first.day, second.day
    if end < start and second.weekday is not None:
        end += timedelta(days=7 * ((start - end).days // 7 + 1))  # "de sexta a terça"
    elif (end < start and not first.explicit and start.year > today.year
          and _year_before(start) < today <= end):
        start = _year_before(start)  # "de 28/12 a 3/1" on 29/12: 28/12 was rolled a year on
    elif end < start:
        start, end = end, start  # "de 15/12 a 10/12": the person swapped them
    return _request(start, end, False, today, first.explicit or second.explicit)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29/02
        return day.replace(year=day.year - 1, day=28)


def _request(start: date, end: date | None, from_on: bool, today: date,
             explicit: bool) -> DateRequest:
    # Only a date written with its year can be in the past; the rest roll forward.
    in_past = explicit and (start < today or (end is not None and end < today))
    return DateRequest(start=start, end=end, from_on=from_on, in_past=in_past)


class _Mention(NamedTuple):
    day: date
    explicit: bool  # written with its year (or "ontem"): never rolled forward
    weekday: int | None  # set when named by weekday ("sexta")
    onwards: bool = False  # a rough distance ("daqui a 2 semanas"): that day onwards


def _mentions(norm: str, today: date) -> list[_Mention]:
    """Each day the text names, in order of appearance."""
    found: list[tuple[int, _Mention]] = []
    taken: list[range] = []

    def add(match: re.Match, day: date | None, explicit: bool = False,
            weekday: int | None = None, onwards: bool = False) -> None:
        span = range(match.start(), match.end())
        if any(span.start < t.stop and t.start < span.stop for t in taken):
            return  # "dia 3 de dezembro" is one mention, not two
        taken.append(span)
        if day is not None:
            found.append((match.start(), _Mention(day, explicit, weekday, onwards)))

    bare: list[tuple[int, int, int]] = []  # (position, day, where its second day starts)
    for m in [*_BARE_RANGE_START.finditer(norm), *_LEADLESS_RANGE_START.finditer(norm)]:
        if any(m.start(1) in t for t in taken):
            continue  # "de 10 a 15/12": read once, with its lead word
        taken.append(range(*m.span(1)))  # so "dia 10" is not also read as the next day 10
        bare.append((m.start(), int(m.group(1)), m.start(2)))
    for m in _OFFSET.finditer(norm):
        add(m, *_offset(m.group(1), m.group(2), today))
    for m in _MONTH_NAME.finditer(norm):
        add(m, *_calendar_day(int(m.group(1)), MONTHS[m.group(2)], m.group(3), today))
    for m in _NAMED_DAY.finditer(norm):
        add(m, *_calendar_day(*NAMED_DAYS[m.group(1)], None, today))
    for m in _NUMERIC.finditer(norm):
        add(m, *_calendar_day(int(m.group(1)), int(m.group(2)), m.group(3), today))
    for m in _RELATIVE.finditer(norm):
        offset = _RELATIVE_DAYS[m.group(1)]
        add(m, today + timedelta(days=offset), explicit=offset < 0)  # "ontem" cannot roll on
    for m in _DAY_OF_MONTH.finditer(norm):
        add(m, _next_day_of_month(int(m.group(1)), today))
    for m in _WEEKDAY.finditer(norm):
        weekday = WEEKDAYS[m.group(1)]
        add(m, _weekday(weekday, norm, today), weekday=weekday)
    ends = {position: mention for position, mention in found}
    for position, day, end_at in bare:
        end = ends.get(end_at)
        if end is not None and end.weekday is None and not end.onwards:
            start = _day_before(day, end.day)
            if start is not None:
                found.append((position, _Mention(start, end.explicit, None)))
    return [mention for _, mention in sorted(found, key=lambda f: f[0])]


def _impossible_day(norm: str, today: date) -> str | None:
    """How the text wrote a day that does not exist ("30/02", "dia 32", "31 de novembro"),
    or None. Only days within a real month: "10.30" is a time, not the 10th of month 30."""
    for m in _MONTH_NAME.finditer(norm):
        if _calendar_day(int(m.group(1)), MONTHS[m.group(2)], m.group(3), today)[0] is None:
            return m.group(0).removeprefix("dia ")
    for m in _NUMERIC.finditer(norm):
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and day >= 1 and _calendar_day(day, month, m.group(3), today)[0] is None:
            return m.group(0)
    for m in _DAY_OF_MONTH.finditer(norm):
        if not 1 <= int(m.group(1)) <= 31:
            return m.group(0)
    return None


def _day_before(day: int, end: date) -> date | None:
    """Day `day` of `end`'s month, or of the month before when it comes after `end`."""
    month_start = end.replace(day=1) if day <= end.day else (
        end.replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        return month_start.replace(day=day)
    except ValueError:
        return None  # "de 31 a 5/12": there is no 31/11


def _offset(count: str, unit: str, today: date) -> tuple[date | None, bool, None, bool]:
    """(day, explicit, weekday, onwards) of "daqui a <count> <unit>"."""
    n = int(count) if count.isdigit() else NUMBER_WORDS[count]
    if unit.startswith("dia"):
        return today + timedelta(days=n), False, None, False
    if unit.startswith("semana"):
        return today + timedelta(weeks=n), False, None, True
    index = today.month - 1 + n  # months: the same day n months on (or that month's last)
    first = date(today.year + index // 12, index % 12 + 1, 1)
    return min(first.replace(day=min(today.day, 28)) + timedelta(days=max(today.day - 28, 0)),
               _month_end(first)), False, None, True


def _calendar_day(day: int, month: int, year: str | None, today: date):
    try:
        if year:
            return date(int(year) + (2000 if len(year) == 2 else 0), month, day), True
        try:
            candidate = date(today.year, month, day)
        except ValueError:  # 29/02 in a common year: the next February may have it
            candidate = today.replace(year=today.year - 1)
        if candidate < today:
            candidate = date(today.year + 1, month, day)
        return candidate, False
    except ValueError:
        return None, False  # "31/02", "10.30" (a time): not a date


def _next_day_of_month(n: int, today: date) -> date | None:
    for months_ahead in range(3):  # "dia 31" may skip a 30-day month
        index = today.month - 1 + months_ahead
        try:
            candidate = date(today.year + index // 12, index % 12 + 1, n)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _weekday(weekday: int, norm: str, today: date) -> date:
    if _NEXT_WEEK.search(norm):  # "sexta da semana que vem": that week's Friday
        return _next_monday(today) + timedelta(days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _period(norm: str, today: date) -> tuple[date, date] | None:
    if _NEXT_WEEK.search(norm):
        monday = _next_monday(today)
        return monday, monday + timedelta(days=6)
    if _THIS_WEEK.search(norm):
        # The week begins on Sunday in Brazil: on a Sunday "essa semana" is the days ahead.
        last = 6 if today.weekday() == 6 else 6 - today.weekday()
        return today, today + timedelta(days=last)
    if _NEXT_MONTH.search(norm):
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first, _month_end(first)
    if _THIS_MONTH.search(norm):
        return today, _month_end(today)
    return None


def _month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)



def without_time_words(text: str) -> str:
    """Normalized text without clock times and distances ("em 2 semanas", "às 16h"), for
    readers of other things — "em duas semanas" names no city."""
    return _OFFSET.sub(" ", without_clock(expand_informal(normalize(text))))


def parse_day_period(text: str) -> str | None:
    """'manha', 'tarde', 'noite', or a clock window 'HH:MM-HH:MM' ("depois das 16h" ->
    '16:00-24:00'), when the text asks for one part of the day; None when it names none or
    several named periods ("de manhã ou à tarde" is any time). A clock time wins."""
    return day_period(expand_informal(normalize(text)))


def parse_clock_time(text: str) -> int | None:
    """The one clock time the text names ("às 15h", "9:30", "9 e meia", "o das 15"), in
    minutes of the day; None for none, for a window or for a named period."""
    return clock_time(expand_informal(normalize(text)))
