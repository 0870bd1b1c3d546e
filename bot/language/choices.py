"""Numbered answers as people type them: "2", "opção 2", "a segunda opção", "dois",
"o primeiro e o terceiro", "1️⃣". Shared by the main menu and the lists flows show."""
from __future__ import annotations

import re
from datetime import date

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


# -- choosing by what an item is -----------------------------------------------------------
# "o vencido", "esse mês", "o mais recente", "o das 15", "9 e meia", "a de quinta", "a do
# cardio", "a do joão pedro", "esse" (one option). Options are what the person saw, as
# mappings: `label` (the line's text) and any of `month` (date or "YYYY-MM"), `status`
# ("vencido" / "aberto" / "pago"), `date`, `time` ("HH:MM"), `specialty`.
_WEEKDAYS = {"segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4, "sabado": 5,
             "domingo": 6}
_MONTH_NAMES = {name: i for i, name in enumerate(
    ["janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro",
     "outubro", "novembro", "dezembro"], 1)}
_THIS_ONE = re.compile(r"^(?:(?:pode ser|quero|vou de|fico com) )?(?:esse|essa|este|esta|ele|ela)"
                       r"(?: (?:mesmo|mesma|ai|ae|aqui|ok))?$")
_OVERDUE = re.compile(r"\b(?:vencid[oa]s?|atrasad[oa]s?|em atraso|que venceu|q venceu)\b")
_TIME = re.compile(r"\b(?:as|das|a|o|pras|para as)?\s*(\d{1,2})(?:\s*(?::|h)\s*(\d{2})|\s*h(?:rs?|oras?)?\b"
                   r"|\s+e\s+meia\b)?")
_TIME_MARKED = re.compile(r"(?:\b(?:as|das)\s+\d{1,2}\b|\b\d{1,2}\s*(?::|h)|\b\d{1,2}\s+e\s+meia\b)")
_DAY = re.compile(r"\bdia (\d{1,2})\b")
_IGNORED = {"o", "a", "os", "as", "do", "da", "de", "das", "dos", "no", "na", "e", "que", "q",
            "ta", "esta", "pode", "ser", "quero", "esse", "essa", "mes", "mais", "com", "pra", "para"}


def pick(text: str | None, options: list[dict], *, today: date | None = None) -> int | None:
    """The one option (1 = first) the message names by number or by what it is, else None."""
    number = single(text, len(options))
    if number is not None:
        return number if 1 <= number <= len(options) else None
    found = described(text, options, today=today)
    return found[0] if len(found) == 1 else None


def described(text: str | None, options: list[dict], *, today: date | None = None) -> list[int]:
    """Every option (1 = first) fitting what the message says about the item ("o vencido"
    with two overdue bills: both); [] when it says nothing an option is described by."""
    norm = normalize(text).strip(" .!?")
    if not norm or not options:
        return []
    if _THIS_ONE.match(norm):
        return [1] if len(options) == 1 else []
    candidates = set(range(len(options)))
    constrained = False
    for found in _constraints(norm, options, today):
        candidates &= found
        constrained = True
    return sorted(i + 1 for i in candidates) if constrained else []


def _constraints(norm: str, options: list[dict], today: date | None):
    """Sets of option positions, one per thing the message says about the item."""
    months = [_month(o) for o in options]
    dates = [_date(o.get("date")) for o in options]
    if _OVERDUE.search(norm):
        yield {i for i, o in enumerate(options) if _status(o) == "vencido"}
    if today is not None and re.search(r"\b(?:esse|este|desse|deste|nesse|neste) mes\b|\bmes atual\b", norm):
        yield {i for i, m in enumerate(months) if m == (today.year, today.month)}
    if today is not None and re.search(r"\bmes passado\b", norm):
        before = (today.year - (today.month == 1), 12 if today.month == 1 else today.month - 1)
        yield {i for i, m in enumerate(months) if m == before}
    when = [m if m else (d.year, d.month) if d else None for m, d in zip(months, dates)]
    if re.search(r"\bmais (?:recente|novo|nova|atual)\b", norm) and any(when):
        yield {i for i, w in enumerate(when) if w == max(w for w in when if w)}
    if re.search(r"\bmais antig[oa]\b", norm) and any(when):
        yield {i for i, w in enumerate(when) if w == min(w for w in when if w)}
    words = norm.split()
    for word in words:
        if word in _MONTH_NAMES:
            yield {i for i, w in enumerate(when) if w and w[1] == _MONTH_NAMES[word]}
        elif word in _WEEKDAYS and "opcao" not in words:
            yield {i for i, d in enumerate(dates) if d and d.weekday() == _WEEKDAYS[word]}
    if (day := _DAY.search(norm)) is not None:
        yield {i for i, d in enumerate(dates) if d and d.day == int(day.group(1))}
    elif _TIME_MARKED.search(norm) or re.fullmatch(r"\d{1,2}\s*h", norm):
        yield _by_time(norm, options)
    yield from _by_words(norm, options)


def _by_time(norm: str, options: list[dict]) -> set[int]:
    match = next((m for m in _TIME.finditer(norm) if m.group(1)), None)
    if match is None:
        return set()
    hour = int(match.group(1))
    minute = int(match.group(2)) if match.group(2) else 30 if "meia" in match.group(0) else 0
    times = [str(o.get("time") or "") for o in options]
    exact = {i for i, t in enumerate(times) if t == f"{hour:02d}:{minute:02d}"}
    if exact or match.group(2) or "meia" in match.group(0):
        return exact
    return {i for i, t in enumerate(times) if t[:2] == f"{hour:02d}"}


def _by_words(norm: str, options: list[dict]):
    """A specialty ("cardio", "pediatra"), a name ("joão pedro", "dra ana") in the line."""
    labels = [set(normalize(str(o.get("label") or "")).replace("·", " ").split()) for o in options]
    specialties = [normalize(str(o.get("specialty") or "")) for o in options]
    for word in norm.split():
        if len(word) < 3 or word in _IGNORED or word in _WEEKDAYS or word in _MONTH_NAMES \
                or word.isdigit() or _OVERDUE.search(word):
            continue
        stem = word[:6]
        by_specialty = {i for i, s in enumerate(specialties) if s and len(stem) >= 5 and s.startswith(stem)}
        by_label = {i for i, words in enumerate(labels) if word in words}
        if by_specialty or by_label:
            yield by_specialty | by_label


def _status(option: dict) -> str | None:
    status = option.get("status")
    if status is None and option.get("overdue"):
        return "vencido"
    return normalize(str(status)) if status else None


def _month(option: dict) -> tuple[int, int] | None:
    value = option.get("month")
    if isinstance(value, date):
        return value.year, value.month
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}", value):
        year, month = value.split("-")
        return int(year), int(month)
    return None


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None
