"""The slot list's items: list-picker titles (at most 24 characters, told apart when two
collide), descriptions, and the slots grouped by day for the text version."""
from __future__ import annotations

from collections import Counter, OrderedDict

from bot.language.templates import render
from bot.services.outbox import LIST_DESCRIPTION_MAX, LIST_TITLE_MAX


def slot_items(slots) -> list[dict]:
    """List-picker items: distinct, clean titles of at most 24 characters."""
    return [{"id": f"slot:{s.ref}", "title": title,
             "description": fit(render("scheduling/slot_description", slot=s),
                                 LIST_DESCRIPTION_MAX)}
            for s, title in zip(slots, _titles(slots))]


def _titles(slots) -> list[str]:
    # "25/11 09:30 Dr. Ricardo"; two Ricardos at the same time become "Ricardo T." and
    # "Ricardo L."; should even that collide, a number tells them apart.
    def title(slot, detailed: bool) -> str:
        return fit(render("scheduling/slot_title", slot=slot, detailed=detailed), LIST_TITLE_MAX)

    titles = [title(s, False) for s in slots]
    counts = Counter(titles)
    return distinct_titles([title(s, True) if counts[t] > 1 else t for s, t in zip(slots, titles)])


def distinct_titles(titles: list[str]) -> list[str]:
    """List-picker titles told apart by a number where they still collide: " (1)", " (2)"."""
    counts, seen = Counter(titles), Counter()
    titles = list(titles)
    for i, t in enumerate(titles):
        if counts[t] > 1:
            seen[t] += 1
            suffix = f" ({seen[t]})"
            titles[i] = fit(t, LIST_TITLE_MAX - len(suffix)) + suffix
    return titles


def fit(text: str, limit: int) -> str:
    """At most `limit` characters, never ending in a blank or a dash; a partial last word
    is dropped unless that would drop too much."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    whole_words = cut.rsplit(" ", 1)[0]
    if len(whole_words) >= limit * 3 // 4:
        cut = whole_words
    return cut.rstrip(" -–,")


def by_day(slots) -> list[dict]:
    days: OrderedDict = OrderedDict()
    for number, slot in enumerate(slots, 1):
        days.setdefault(slot.starts_at.date(), []).append({"number": number, "slot": slot})
    return [{"day": d, "entries": entries} for d, entries in days.items()]
