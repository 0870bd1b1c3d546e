"""Free-text intent recognition tolerant of accents, typos and synonyms."""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.text import normalize

MENU_WORDS = {"menu", "inicio", "voltar ao menu", "menu principal", "opcoes", "0"}
CANCEL_WORDS = {"cancelar", "sair", "parar", "encerrar", "cancela", "desistir", "tchau"}
HUMAN_PATTERN = re.compile(r"\b(atendente|humano|pessoa de verdade|falar com (um |uma )?(pessoa|atendente|humano))\b")
GREETINGS = {"oi", "ola", "bom dia", "boa tarde", "boa noite", "hello", "opa", "e ai", "oie", "oii"}


def command(text: str) -> str | None:
    """Global commands honoured in every state: 'menu', 'cancel', 'human'."""
    norm = normalize(text).strip(" .!?")
    if norm in MENU_WORDS:
        return "menu"
    if norm in CANCEL_WORDS:
        return "cancel"
    if HUMAN_PATTERN.search(norm):
        return "human"
    return None


def is_greeting(text: str) -> bool:
    norm = normalize(text).strip(" .!?")
    return norm in GREETINGS or any(norm.startswith(g + " ") for g in GREETINGS) and len(norm) < 25


@dataclass(frozen=True)
class IntentMatch:
    name: str
    score: float


def detect(text: str, phrases: dict[str, list[str]], *, threshold: int = 86) -> IntentMatch | None:
    """Best intent for `text` among `phrases` ({intent: [phrase, ...]}).

    An exact phrase (as whole words) beats a fuzzy one, and a longer phrase beats a shorter
    one, so 'boleto atrasado' picks the bill journey over a bare 'atrasado'.
    """
    norm = normalize(text)
    if not norm:
        return None
    padded = f" {norm} "
    best: IntentMatch | None = None
    for name, options in phrases.items():
        for phrase in options:
            p = normalize(phrase)
            if f" {p} " in padded:
                score = 200 + len(p)
            elif len(norm) >= 0.6 * len(p) and len(p) >= 5:
                ratio = fuzz.partial_ratio(p, norm)
                if ratio < threshold:
                    continue
                score = ratio + len(p) / 100
            else:
                continue
            if best is None or score > best.score:
                best = IntentMatch(name, score)
    return best
