"""People's names as typed at the identity question: lead-ins ("meu nome é"), particles,
surname-first, and whether a given name matches the registered one."""
from __future__ import annotations

import re

from bot.language import intents
from bot.language.text import normalize

NAME_PARTICLES = frozenset({"da", "de", "do", "dos", "das", "e"})
# "Meu nome é …", "sou o …", "sobrenome: …": the words before the name.
_LEAD_IN = re.compile(r"^(?:(?:o |a )?meu (?:nome|sobrenome)(?: completo)?(?: e| eh)?|(?:eu )?sou (?:o |a )?|"
                      r"(?:nome|sobrenome)(?: completo)?:?|e |eh )\s*")


def _without_lead_in(text: str) -> str:
    norm = normalize(text)
    previous = None
    while norm != previous:
        previous, norm = norm, _LEAD_IN.sub("", norm, count=1).strip()
    if norm.count(",") == 1:  # "Nogueira, Roberto": surname first, as in a register
        last, first = norm.split(",")
        norm = f"{first.strip()} {last.strip()}"
    return norm


def _name_words(text: str) -> list[str]:
    return [w for w in normalize(text).replace(".", " ").replace(",", " ").split()
            if w not in NAME_PARTICLES]


def names_someone(text: str) -> bool:
    """Whether letters typed at the identity question are an attempt at a name — not "ok",
    "sim", "por quê?" or "obrigado", which get the question again and spend no attempt."""
    if "?" in text or intents.closing(text) or intents.yes_no(text) is not None:
        return False
    return bool(_name_words(_without_lead_in(text)))


def name_matches(given: str, full_name: str) -> bool:
    """The script's name alternatives: the full name, or a surname — any run of
    consecutive words after the first name ("Silva", "da Silva", "Aparecida da Silva"),
    or the first name with surnames in their order ("José Pereira", "Maria Silva");
    particles (da, de, do, dos, das, e) ignored. A first name alone does not confirm."""
    words, name = _name_words(_without_lead_in(given)), _name_words(full_name)
    if not words:
        return False
    if words == name:
        return True
    after_first = name[1:]
    size = len(words)
    if any(after_first[i:i + size] == words for i in range(len(after_first) - size + 1)):
        return True
    # First name + surnames: each given surname found after the previous one.
    if len(words) < 2 or words[0] != name[0]:
        return False
    rest = iter(after_first)
    return all(word in rest for word in words[1:])


def is_first_name_only(given: str, full_name: str) -> bool:
    """Only the first name typed: it proves nothing (the identity prompt says so)."""
    return _name_words(_without_lead_in(given)) == _name_words(full_name)[:1]
