"""City names as people type them: no accents, small typos, "campo-grande", "dourados/ms".

Only cities the operator has providers in are candidates (`known_cities`), so a fuzzy
match cannot invent a city; the limits below keep ordinary words from matching short names.
"""
from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from bot.language.dates import without_time_words
from bot.language.text import normalize


def match_city(text: str, known_cities: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(city, UF) from `known_cities` the text mentions, or None. When one name exists in
    two states, a UF in the text ("campo grande rj") decides."""
    words = _words(text)
    if not words:
        return None
    best, best_key = None, None
    for position, (city, state) in enumerate(known_cities):
        distance = _distance(words, _words(city))
        if distance is None:
            continue
        # Fewer typos first, then the UF the person wrote, then the longer (more specific)
        # name ("campo grande" over a city called "Grande"), then catalogue order.
        key = (distance, state.lower() not in words, -len(city), position)
        if best_key is None or key < best_key:
            best, best_key = (city, state), key
    return best


# "em Cuiabá", "na cidade de Três Lagoas", "cidade: Corumbá": a place the person names.
_PLACE = re.compile(r"\b(?:na cidade de|cidade de|cidade|em)\s+([a-z][a-z ]*)")
# Words that follow "em" without naming a place ("em dezembro", "em breve", "em jejum").
_NOT_PLACES = {
    "breve", "diante", "seguida", "qualquer", "outra", "outro", "outras", "outros", "casa",
    "jejum", "urgencia", "emergencia", "atraso", "aberto", "dia", "dias", "data", "horario",
    "nome", "favor", "geral", "consulta", "consultorio", "clinica", "hospital", "mim",
    "janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro",
    "outubro", "novembro", "dezembro", "segunda", "terca", "quarta", "quinta", "sexta",
    "sabado", "domingo", "hoje", "amanha", "semana", "mes", "cima", "tempo", "principio",
    "relacao", "caso", "especial", "particular", "primeiro", "primeira", "um", "uma",
    "nossa", "nosso", "minha", "meu", "sua", "seu", "esta", "essa", "este", "esse", "algum",
    "alguma", "todo", "toda", "qual", "que",
}
# Where a place name ends ("em Cuiabá com o dr. X", "em Corumbá amanhã").
_PLACE_END = {"de", "do", "da", "com", "para", "pra", "pro", "a", "o", "no", "na", "e", "ou", "dia",
              "amanha", "hoje", "hj", "q", "dps", "manha", "tarde", "noite", "semana",
              "proxima", "proximo", "que", "mes", "dr", "dra",
              "doutor", "doutora", "ate", "depois", "apos", "entre", "por", "pelo", "pela",
              "sexta", "segunda", "terca", "quarta", "quinta", "sabado", "domingo"}


def named_place(text: str) -> str | None:
    """The place a message names after "em" / "cidade de" ("marcar cardiologia em Cuiabá"
    -> "cuiaba"), whether or not we have providers there; None when it names none. Used
    to tell an unknown city apart from no city at all."""
    norm = re.sub(r"[^a-z ]+", " ", without_time_words(text))
    for match in _PLACE.finditer(norm):
        words = []
        for word in match.group(1).split():
            if word in _PLACE_END:
                break
            words.append(word)
        if words and words[0] not in _NOT_PLACES and len(words[0]) >= 3 and len(words) <= 4:
            return " ".join(words)
    return None


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", normalize(text)).split()


def _allowed_typos(name: str) -> int:
    # Short names are too close to ordinary words to forgive anything.
    if len(name) < 5:
        return 0
    return 1 if len(name) <= 8 else 2


def _distance(words: list[str], name_words: list[str]) -> int | None:
    """Smallest edit distance between the name and any run of words in the text (runs one
    word shorter or longer too, so "campogrande" and "campo grnde" both count)."""
    if not name_words:
        return None
    name = "".join(name_words)
    allowed = _allowed_typos(name)
    best = None
    for size in {max(1, len(name_words) - 1), len(name_words), len(name_words) + 1}:
        for i in range(len(words) - size + 1):
            run = words[i:i + size]
            joined = "".join(run)
            if size != len(name_words) and joined != name:
                continue  # a different word count only counts when spelled exactly
            distance = OSA.distance(joined, name, score_cutoff=allowed)
            if distance <= allowed and (best is None or distance < best):
                best = distance
    return best
