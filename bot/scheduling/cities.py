"""City names as people type them: no accents, small typos."""
from __future__ import annotations

from rapidfuzz import fuzz

from bot.text import normalize


def match_city(text: str, known_cities: list[tuple[str, str]]) -> tuple[str, str] | None:
    norm = normalize(text)
    if not norm:
        return None
    padded = f" {norm} "
    best, best_score = None, 0.0
    for city, state in known_cities:
        name = normalize(city)
        if f" {name} " in padded:
            score = 200 + len(name)
        else:
            score = fuzz.partial_ratio(name, norm) if len(norm) >= len(name) - 2 else 0
            if score < 88:
                continue
        if score > best_score:
            best, best_score = (city, state), score
    return best
