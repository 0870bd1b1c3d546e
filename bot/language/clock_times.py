"""Times of day as people write them in pt-BR, over text already normalized (and with chat
spellings expanded, `bot.language.dates.expand_informal`): clock times ("16h", "16:30",
"às 8", "9 e meia", "meio-dia", "duas da tarde"), windows ("depois das 16h", "antes das
10", "entre 14h e 16h") and named periods ("de manhã", "à tarde", "à noite"). The public
readers over raw text are in bot.language.dates (`parse_day_period`, `parse_clock_time`).
"""
from __future__ import annotations

import re
from datetime import datetime

# Clock times: "16h", "16h30", "16:30", "16 horas". Always with h/:/horas, so "dia 16" and
# "16/12" stay dates.
_TIME = r"(\d{1,2})(?:[:h](\d{2})|h|hs|\s?horas?|(?= d[ao] (?:manha|tarde|noite)\b))\b"
_CLOCK_AFTER = re.compile(rf"\b(?:depois|apos|a partir)(?: d[aeo]s?| as?)? {_TIME}")
_CLOCK_BEFORE = re.compile(rf"\b(?:antes|ate)(?: d[aeo]s?| as?)? {_TIME}")
# "entre 14h e 16h", "entre 2 e 4 da tarde": the first time may go bare.
_CLOCK_BETWEEN = re.compile(rf"\bentre(?: as?)? (\d{{1,2}})(?:[:h](\d{{2}})|h|hs|\s?horas?)? "
                            rf"e(?: as?)? {_TIME}")
_CLOCK_AT = re.compile(rf"(?:\b(?:as|a|por volta d[ao]s?|umas?) )?\b{_TIME}")

# Spoken times, rewritten into the written forms above before reading: "oito e meia" ->
# "8:30", "meio-dia" -> "12h", "às 8" / "o das 15" -> "as 8h" / "das 15h".
HOUR_WORDS = {"uma": 1, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7,
              "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12}
_TIME_FOLLOWS = r"(?=\s+(?:e meia|e quinze|horas?|d[ao] (?:manha|tarde|noite))\b)"
_HOUR_WORD = re.compile(rf"\b({'|'.join(HOUR_WORDS)}){_TIME_FOLLOWS}")
_NOON = re.compile(r"\bmeio[- ]dia\b")
_HALF = re.compile(r"\b(\d{1,2})(?:h|\s?horas?)? e (meia|quinze)\b")
# A bare hour after "às"/"das" (a feminine plural: horas), not followed by a date part.
_BARE_HOUR = re.compile(r"\b(as|das) (\d{1,2})\b(?![/.:-]\d|h|\s?horas?|\s+d[ao] )"
                        r"(?!\s+(?:consultas?|opcoes|vagas?|parcelas?|vezes|dias|semanas|meses)\b)")


def _spoken_times(norm: str) -> str:
    norm = _HOUR_WORD.sub(lambda m: str(HOUR_WORDS[m.group(1)]), norm)
    norm = _NOON.sub("12h", norm)
    norm = _HALF.sub(lambda m: f"{m.group(1)}:{'30' if m.group(2) == 'meia' else '15'}", norm)
    return _BARE_HOUR.sub(lambda m: f"{m.group(1)} {m.group(2)}h"
                          if int(m.group(2)) <= 23 else m.group(0), norm)



# -- period of the day -------------------------------------------------------------------
DAY_PERIODS = {"manha": (0, 12), "tarde": (12, 18), "noite": (18, 24)}  # [from, to) hours
# "de manhã", "à tarde", "pela noite", "sexta a tarde"; not the greetings ("boa tarde") nor
# "mais tarde" (later), and "amanhã" is not "manhã" (word boundary).
_DAY_PERIOD = re.compile(r"(?<!boa )(?<!bom )(?<!mais )\b(manha|tarde|noite)\b")


def day_period(norm: str) -> str | None:
    """'manha', 'tarde', 'noite', or a clock window 'HH:MM-HH:MM' ("depois das 16h" ->
    '16:00-24:00'), when the text asks for one part of the day; None when it names none or
    several named periods ("de manhã ou à tarde" is any time). A clock time wins."""
    norm = _spoken_times(norm)
    window = _clock_window(norm)
    if window is not None:
        return window
    found = set(_DAY_PERIOD.findall(norm))
    return found.pop() if len(found) == 1 else None


def clock_time(norm: str) -> int | None:
    """The one clock time the text names ("às 15h", "9:30", "9 e meia", "o das 15"), in
    minutes of the day; None for none, for a window ("depois das 16h", "entre 14h e 16h")
    or for a named period ("de manhã")."""
    norm = _spoken_times(norm)
    if any(p.search(norm) for p in (_CLOCK_BETWEEN, _CLOCK_AFTER, _CLOCK_BEFORE)):
        return None
    found = [_clock(m, 1, norm) for m in _CLOCK_AT.finditer(norm)]
    return found[0] if len(found) == 1 else None


def in_day_period(moment: datetime, period: str | None) -> bool:
    if period is None:
        return True
    start, end = _window(period)
    minute = moment.hour * 60 + moment.minute
    return start <= minute < end


def _window(period: str) -> tuple[int, int]:
    """[from, to) in minutes of the day."""
    if period in DAY_PERIODS:
        start, end = DAY_PERIODS[period]
        return start * 60, end * 60
    start, end = period.split("-")
    return _minutes(start), _minutes(end)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


_PM = re.compile(r"(?:h\d*|hs|\s?horas?)?\s+d[ao] (?:tarde|noite)\b")


def _clock(match: re.Match, hours_group: int, norm: str) -> int | None:
    h, m = int(match.group(hours_group)), int(match.group(hours_group + 1) or 0)
    if h > 23 or m > 59:
        return None
    if 1 <= h < 12 and _PM.match(norm, match.end(hours_group)):
        h += 12  # "depois das 4 da tarde", "às 7h da noite"
    return h * 60 + m


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock_window(norm: str) -> str | None:
    if m := _CLOCK_BETWEEN.search(norm):
        start, end = _clock(m, 1, norm), _clock(m, 3, norm)
        if start is not None and end is not None and start < 12 * 60 and _PM.match(norm, m.end(3)):
            start += 12 * 60  # "entre 2 e 4 da tarde": both in the afternoon
        if start is not None and end is not None and start < end:
            return f"{_fmt(start)}-{_fmt(end)}"
        return None
    if m := _CLOCK_AFTER.search(norm):
        start = _clock(m, 1, norm)
        return f"{_fmt(start)}-24:00" if start is not None else None
    if m := _CLOCK_BEFORE.search(norm):
        end = _clock(m, 1, norm)
        return f"00:00-{_fmt(end)}" if end else None
    if m := _CLOCK_AT.search(norm):  # "às 15h": that hour
        start = _clock(m, 1, norm)
        return f"{_fmt(start)}-{_fmt(min(start + 60, 24 * 60))}" if start is not None else None
    return None


def without_clock(norm: str) -> str:
    """The text with its clock times taken out, so "depois das 16h" is not "after a day"."""
    norm = _spoken_times(norm)
    for pattern in (_CLOCK_BETWEEN, _CLOCK_AFTER, _CLOCK_BEFORE, _CLOCK_AT):
        norm = pattern.sub(" ", norm)
    return norm

