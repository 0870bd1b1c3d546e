"""Understanding which billing month (competência) a person means."""
from __future__ import annotations

import re
from datetime import date

from bot.language.text import normalize

MONTHS = ["janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto",
          "setembro", "outubro", "novembro", "dezembro"]
_NUMERIC = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{2}|\d{4})\b")
_YEAR = re.compile(r"\b(20\d{2})\b")


def pick(text: str, options: list[date]) -> int | None:
    """Index into `options` (competence dates) for 'outubro', '10/2025', 'out/25', 'set 2025'.

    A month name without a year picks the most recent option of that month; an ambiguous
    or unknown answer returns None so the flow can ask again.
    """
    norm = normalize(text)
    month = year = None
    numeric = _NUMERIC.search(norm)
    if numeric:
        month = int(numeric.group(1))
        year = int(numeric.group(2))
        year += 2000 if year < 100 else 0
    else:
        for index, name in enumerate(MONTHS, 1):
            if re.search(rf"\b({name}|{name[:3]})\b", norm):
                month = index
                break
        found_year = _YEAR.search(norm)
        year = int(found_year.group(1)) if found_year else None
    if month is None or not 1 <= month <= 12:
        return None
    matches = [i for i, c in enumerate(options)
               if c.month == month and (year is None or c.year == year)]
    if not matches:
        return None
    return max(matches, key=lambda i: options[i])
