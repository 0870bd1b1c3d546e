"""Finding intent phrases in what people write, word by word.

A phrase matches where its words appear in the message as whole words, in order. Between
two of its words the message may put up to two small words ("cancelar *o* agendamento",
"2a via *do meu* boleto"). A long word may be off by one letter ("cosulta", "bolrto"),
or two swapped ("boleot"), but never a short one, and never into another word people really use: "marcar" is not
"desmarcar", "cancelar o plano" is not "pagar o plano", "duvida" is not "divida". This
replaces rapidfuzz's `partial_ratio` on whole messages, which matched inside words and
across them on short phrases.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from rapidfuzz.distance import OSA

from bot.language.text import normalize

# Small words a phrase may leave out: "trocar o dia da consulta" is also "trocar dia consulta".
OPTIONAL = frozenset({"o", "a", "os", "as", "um", "uma", "do", "da", "dos", "das", "de", "no",
                      "na", "pra", "para", "pro"})
# Words that may sit between two words of a phrase in the message without breaking it
# ("cancelar *meu* plano"); a possessive a phrase names ("minha consulta") is required.
FILLERS = OPTIONAL | frozenset({
    "meu", "minha", "meus", "minhas", "esse", "essa", "este", "esta", "seu", "sua", "mais",
    "ja", "tb", "tambem", "por", "favor", "pfv", "pf",
})
MAX_GAP = 2
TYPO_MIN_LENGTH = 5  # shorter words must be written exactly
# Real words one letter away from a phrase word: never read as its typo.
NOT_TYPOS = frozenset({
    "duvida", "duvidas", "pegar", "marcas", "marcada", "marcado", "pagou", "pagas", "conta",
    "contas", "consultar", "cancelado", "cancelada", "agendado", "agendada", "remarcado",
    "remarcada", "plana", "senha", "linha", "dividas", "boletos", "acordou", "valer",
})
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class PhraseMatch:
    phrase: str
    start: int  # word positions in the normalized message, end exclusive
    end: int
    typos: int

    @property
    def exact(self) -> bool:
        return self.typos == 0


def words(text: str | None) -> list[str]:
    """'2ª via, POR FAVOR!' -> ['2a', 'via', 'por', 'favor']"""
    return _TOKEN.findall(normalize(text))


@lru_cache(maxsize=4096)
def phrase_words(phrase: str) -> tuple[str, ...]:
    """The words a phrase needs: its small words are optional in the message, so
    "trocar o dia da consulta" also matches "trocar dia consulta"."""
    found = tuple(_TOKEN.findall(normalize(phrase)))
    needed = tuple(w for w in found if w not in OPTIONAL)
    return needed or found


def same_word(want: str, got: str) -> int | None:
    """0 when equal, 1 for a one-letter typo of a long word, None otherwise."""
    if want == got:
        return 0
    if (len(want) >= TYPO_MIN_LENGTH and abs(len(want) - len(got)) <= 1 and want[0] == got[0]
            and got not in NOT_TYPOS and OSA.distance(want, got, score_cutoff=1) <= 1):
        return 1
    return None


def find(phrase: str, message: list[str]) -> PhraseMatch | None:
    """The first place `phrase` occurs in the message's words (exact before typos)."""
    wanted = phrase_words(phrase)
    if not wanted:
        return None
    best: PhraseMatch | None = None
    for start in range(len(message)):
        found = _match_at(wanted, message, start)
        if found is not None and (best is None or found[1] < best.typos):
            best = PhraseMatch(phrase, start, found[0], found[1])
            if best.exact:
                break
    return best


def _match_at(wanted: tuple[str, ...], message: list[str], start: int) -> tuple[int, int] | None:
    typos = same_word(wanted[0], message[start])
    if typos is None:
        return None
    i = start + 1
    for word in wanted[1:]:
        gap = 0
        while i < len(message):
            off = same_word(word, message[i])
            if off is not None:
                typos += off
                break
            if message[i] not in FILLERS or gap == MAX_GAP:
                return None
            gap += 1
            i += 1
        else:
            return None
        i += 1
    return i, typos


def score(match: PhraseMatch) -> float:
    """Exact phrases above 200 and typo'd ones below 101 (so `threshold=101` asks for an
    exact phrase); within each, the longer phrase wins ("boleto atrasado" over "boleto")."""
    length = len(" ".join(phrase_words(match.phrase)))
    if match.exact:
        return 200 + length
    return 100 - match.typos + min(length, 99) / 100


def mentions(text: str | None, phrases: Iterable[str], patterns: Iterable[str | re.Pattern] = ()) -> bool:
    """Whether any of `phrases` is found in `text` (as `find` finds it, typos and all) or
    any of `patterns` in its normalized form (no accents, lower case)."""
    message = words(text)
    return (any(find(p, message) is not None for p in phrases)
            or any(re.search(p, normalize(text)) for p in patterns))
