"""Numbered answers as people type them: "2", "opção 2", "a segunda opção", "dois",
"o primeiro e o terceiro", "1️⃣". Shared by the main menu and the lists flows show."""
from __future__ import annotations

import re

from text_to_num import text2num

from bot.language.text import normalize

# Ordinals as list positions; cardinals ("dois", "três") are read by text2num.
ORDINAL_WORDS = {
    "primeiro": 1, "primeira": 1, "segundo": 2, "terceiro": 3, "terceira": 3, "quarto": 4,
    "quinto": 5, "sexto": 6, "setimo": 7, "setima": 7, "oitavo": 8, "oitava": 8, "nono": 9,
    "nona": 9, "decimo": 10, "decima": 10, "ultimo": -1, "ultima": -1,
}
# Feminine ordinals that are also weekdays ("segunda" = Monday): a number only next to
# "opção" ("a segunda opção", "opção segunda"), never alone.
WEEKDAY_ORDINALS = {"segunda": 2, "quarta": 4, "quinta": 5, "sexta": 6}
_LEAD = {"quero", "queria", "escolho", "manda", "mande", "me", "envia", "envie", "pode", "ser",
         "o", "a", "no", "na", "do", "da", "opcao", "opcoes", "numero", "numeros", "n", "no.",
         "item", "boleto", "boletos", "e", "pfv", "pf", "por", "favor", "prefiro", "fico", "com",
         "vou", "querer", "marca", "marcar", "horario", "lista"}
_JOIN = {"e", ",", "&"}
_ORDINAL_MARK = re.compile(r"^(\d{1,2})(o|a|deg)$")  # "1º" -> "1o", "2ª" -> "2a"


def numbers(text: str | None, size: int | None = None) -> list[int] | None:
    """The numbers a whole message names as a choice, in the order written, or None when
    the message is anything else. 'último' needs `size` (the list's length). A plural
    article before a spelled number ("os dois", "as duas") means "both", not an item."""
    norm = normalize(text).replace(",", " , ").strip(" .!)")
    words = norm.split()
    if not words:
        return None
    found: list[int] = []
    for i, word in enumerate(words):
        if word.isdigit() and len(word) <= 2:
            found.append(int(word))
        elif (mark := _ORDINAL_MARK.match(word)) and (
                mark.group(2) != "a" or "opcao" in words[i + 1:i + 2]):
            # "2a" alone is how people write "2ª via": a number only as "2ª opção"
            found.append(int(mark.group(1)))
        elif (value := ORDINAL_WORDS.get(word) or _cardinal(word)) is not None:
            if i > 0 and words[i - 1] in ("os", "as"):
                return None
            if word == "segundo" and i > 0 and words[i - 1] in ("um", "1"):
                return None  # "um segundo": wait a moment
            if value == -1:
                if not size:
                    return None
                value = size
            found.append(value)
        elif word in WEEKDAY_ORDINALS and "opcao" in words[max(0, i - 2):i + 2]:
            found.append(WEEKDAY_ORDINALS[word])
        elif word in _LEAD or word in _JOIN or word in ("os", "as"):
            continue
        else:
            return None
    return found or None


def _cardinal(word: str) -> int | None:
    """"dois" -> 2, "tres" -> 3; None for any other word."""
    if not word.isalpha() or word in _LEAD or word in WEEKDAY_ORDINALS:
        return None
    try:
        return text2num(word, "pt")
    except ValueError:
        return None


def single(text: str | None, size: int | None = None) -> int | None:
    """The one number a message picks ("3", "opção 3", "três", "a terceira"), else None."""
    found = numbers(text, size)
    return found[0] if found and len(found) == 1 else None
