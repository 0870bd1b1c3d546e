"""Bills named by their month: 'outubro', '10/2025', 'outubro e novembro'."""
from __future__ import annotations

import re

from bot.language import competence
from bot.language.text import normalize


def by_months(text: str, items: list) -> list | None:
    """'outubro', '10/2025', 'outubro e novembro': every item of those months."""
    parts = [p for p in re.split(r",|\be\b", normalize(text)) if p.strip()]
    found: list = []
    for part in parts:
        if not mentions_month(part):
            continue
        matches = [i for i in items if competence.pick(part, [i.month]) is not None]
        if not matches:
            return None
        found += [i for i in matches if i not in found]
    return [i for i in items if i in found] or None


_MONTH_WORD = re.compile(r"\b(?:" + "|".join(f"{m}|{m[:3]}" for m in competence.MONTHS) + r")\b")
_NUMERIC_MONTH = re.compile(r"\b\d{1,2}\s*[/.-]\s*(?:\d{2}|\d{4})\b")


def mentions_month(text: str) -> bool:
    norm = normalize(text)
    return bool(_MONTH_WORD.search(norm) or _NUMERIC_MONTH.search(norm))


def single_month(text: str) -> bool:
    """'dezembro' with two bills in December: ask which, never send one of them at random
    ('outubro e novembro' names them all)."""
    norm = normalize(text)
    return len([p for p in re.split(r",|\be\b", norm) if mentions_month(p)]) == 1
