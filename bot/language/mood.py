"""Anger in a message: angry emoji, an ALL CAPS complaint, the usual words ("absurdo",
"ninguém resolve", "vou no procon"). Such a message gets an apology and the offer of a
person, never a cheerful closing."""
from __future__ import annotations

import re

from bot.language.text import normalize

ANGRY_EMOJI = frozenset("😡🤬😤👿💢😠🖕")
ANGRY_WORDS = re.compile(
    r"\b(?:absurd[oa]s?|ninguem (?:resolve|responde|me responde|atende|me atende|ajuda)"
    r"|piada|palhacada|saco cheio|pessim[oa]|horrivel|ridicul[oa]|procon|reclame aqui"
    r"|processar|vergonha|descaso|revoltad[oa]|indignad[oa]|lixo|cansei|pqp|desrespeito"
    r"|falta de respeito|inadmissivel|sempre a mesma coisa|uma merda|porcaria)\b")
COMPLAINT_IN_CAPS = re.compile(r"\b(?:nao|ninguem|nunca|cade|pq|porque|sempre|ate hoje)\b")


def angry(text: str | None) -> bool:
    raw = text or ""
    if any(ch in ANGRY_EMOJI for ch in raw):
        return True
    norm = normalize(raw)
    if ANGRY_WORDS.search(norm):
        return True
    letters = [ch for ch in raw if ch.isalpha()]
    shouting = len(letters) >= 12 and sum(ch.isupper() for ch in letters) >= 0.9 * len(letters)
    return shouting and ("!!" in raw or bool(COMPLAINT_IN_CAPS.search(norm)))
