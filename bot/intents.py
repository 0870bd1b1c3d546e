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


# -- yes / no ------------------------------------------------------------------------
# Short answers people give to "está correto?"-style questions, compared clause by clause
# so punctuation and a polite tail ("Sim.", "sim, pode ser", "Sim, está correto") do not
# matter. `normalize` keeps . , : - for dates and amounts, so this splits on them itself.
YES_PHRASES = frozenset({
    "sim", "s", "ss", "isso", "isso mesmo", "isso ai", "correto", "certo", "certinho",
    "esta certo", "ta certo", "esta correto", "ta correto", "esta", "ta", "pode ser", "pode",
    "ok", "okay", "confirmo", "confirmado", "claro", "exato", "perfeito", "positivo",
    "com certeza", "beleza", "blz", "yes", "sim sim", "tudo certo", "sim senhor", "sim senhora",
})
NO_PHRASES = frozenset({
    "nao", "n", "negativo", "errado", "incorreto", "esta errado", "ta errado",
    "nao esta certo", "nao ta certo", "nao esta correto", "nao ta correto", "nao e",
    "nao e esse", "nao e isso", "nao confere", "mudou", "nao nao",
})
_CLAUSES = re.compile(r"\s*[,.;:!?]+\s*|\s+-\s+")
_BUT = re.compile(r"\b(mas|porem|so que|nao)\b")


def clauses(text: str | None) -> list[str]:
    """'Sim, está correto!' -> ['sim', 'esta correto']"""
    return [c.strip(" -") for c in _CLAUSES.split(normalize(text)) if c.strip(" -")]


def yes_no(text: str | None, *, extra_yes: frozenset[str] | set[str] = frozenset()) -> bool | None:
    """True for a clear yes, False for a clear no, None otherwise ("não sei", "sim, mas…").

    The first clause decides; a yes followed by a "mas"/"não" clause is not clear."""
    parts = clauses(text)
    if not parts:
        return None
    first, rest = parts[0], parts[1:]
    if first in NO_PHRASES:
        return False
    is_yes = first in YES_PHRASES or first in extra_yes or (
        first.startswith("sim ") and not _BUT.search(first))
    if is_yes and not any(_BUT.search(part) for part in rest):
        return True
    return None


def after_yes_no(text: str | None) -> str:
    """The original text after a leading yes/no word: 'Não, Rua X 10' -> 'Rua X 10'."""
    match = re.match(r"\s*(?:n[ãa]o|sim|errado|negativo)\b[\s,.;:!-]*(?:(?:est[áa]|t[áa]) "
                     r"(?:certo|correto|errado)\b[\s,.;:!-]*)?", text or "", re.IGNORECASE)
    return (text or "")[match.end():].strip() if match else (text or "").strip()
