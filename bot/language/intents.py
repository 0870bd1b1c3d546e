"""Free-text intent recognition tolerant of accents, typos and synonyms."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.language import mood
from bot.language import phrases as phrase_matching
from bot.language.text import normalize

MENU_WORDS = {"menu", "inicio", "voltar ao menu", "menu principal", "opcoes", "0"}
CANCEL_WORDS = {"cancelar", "sair", "parar", "encerrar", "cancela", "desistir", "tchau"}
# Any way of asking for a person: "preciso falar com alguém", "atendimento humano",
# "falar com gente de verdade", "me passa pra um atendente". Matched on normalized text.
HUMAN_PATTERN = re.compile(
    r"\b(atendentes?|humanos?"
    r"|(pessoa|gente) (de verdade|real)"
    r"|(falar|conversar) com (um |uma |o |a |algum |alguma )?(pessoa|alguem|gente|funcionari[oa]|responsavel"
    r"|supervisor(a)?|ser humano|central|equipe)"
    r"|(quero|preciso de|prefiro) (um |uma )?(pessoa|ser humano)"
    r"|atendimento (com|de) (um |uma )?(pessoa|gente)"
    r"|atendid[oa] por (um |uma )?(pessoa|gente|ser humano)"
    r"|(passa|passe|passar|transfere|transferir) (pra|para|a) (alguem|uma pessoa|um humano))\b")
GREETINGS = {"oi", "ola", "bom dia", "boa tarde", "boa noite", "hello", "opa", "e ai", "oie", "oii"}


def command(text: str) -> str | None:
    """Global commands honoured in every state: 'menu', 'cancel', 'human'."""
    norm = normalize(text).strip(" .!?")
    if norm in MENU_WORDS:
        return "menu"
    if norm in CANCEL_WORDS:
        return "cancel"
    if (HUMAN_PATTERN.search(norm) and not _REFUSED_PERSON.search(norm)) or _mistyped_attendant(norm):
        return "human"
    return None


# "não quero atendente", "não preciso falar com um atendente", "sem atendente": a person
# refused, not asked for (a "não" elsewhere — "não entendi, atendente" — still asks).
_REFUSED_PERSON = re.compile(
    r"\b(?:nao (?:quero|preciso|precisa)(?: de)?|sem)(?: (?:falar|conversar) com)?"
    r"(?: (?:um|uma|o|a))? (?:atendentes?|humanos?|pessoa)\b")


def _mistyped_attendant(norm: str) -> bool:
    """"atendente" one letter off, alone in the message: "atendende", "atendemte"."""
    return (" " not in norm and 7 <= len(norm) <= 11
            and min(Levenshtein.distance(norm, w) for w in ("atendente", "atendentes")) <= 1)


def is_greeting(text: str) -> bool:
    norm = normalize(text).strip(" .!?")
    return norm in GREETINGS or any(norm.startswith(g + " ") for g in GREETINGS) and len(norm) < 25


@dataclass(frozen=True)
class IntentMatch:
    name: str
    score: float
    start: int = 0  # where the phrase begins, in words of the message
    end: int = 0


def detect(text: str, phrases: dict[str, list[str]], *, threshold: int = 86) -> IntentMatch | None:
    """Best intent for `text` among `phrases` ({intent: [phrase, ...]}).

    Phrases are found word by word (`bot.language.phrases`): an exact phrase beats one
    with a typo, and a longer phrase beats a shorter one, so 'boleto atrasado' picks the
    bill journey over a bare 'atrasado'. `threshold=101` accepts exact phrases only."""
    found = detect_all(text, phrases, threshold=threshold)
    return max(found, key=lambda m: m.score) if found else None


def detect_all(text: str, phrases: dict[str, list[str]], *, threshold: int = 86) -> list[IntentMatch]:
    """Each intent's best match in `text`, in the order they appear in the message."""
    message = phrase_matching.words(text)
    if not message:
        return []
    found: list[IntentMatch] = []
    for name, options in phrases.items():
        best: IntentMatch | None = None
        for phrase in options:
            match = phrase_matching.find(phrase, message)
            if match is None:
                continue
            score = phrase_matching.score(match)
            if score >= threshold and (best is None or score > best.score):
                best = IntentMatch(name, score, match.start, match.end)
        if best is not None:
            found.append(best)
    return sorted(found, key=lambda m: (m.start, -m.score))


# -- yes / no ------------------------------------------------------------------------
# Short answers people give to "está correto?"-style questions, compared clause by clause
# so punctuation and a polite tail ("Sim.", "sim, pode ser", "Sim, está correto") do not
# matter. `normalize` keeps . , : - for dates and amounts, so this splits on them itself.
YES_PHRASES = frozenset({
    "sim", "s", "ss", "isso", "isso mesmo", "isso ai", "correto", "certo", "certinho",
    "esta certo", "ta certo", "esta correto", "ta correto", "esta", "ta", "pode ser", "pode",
    "ok", "okay", "confirmo", "confirmado", "claro", "exato", "perfeito", "positivo",
    "com certeza", "beleza", "blz", "yes", "sim sim", "tudo certo", "sim senhor", "sim senhora",
    # the usual forms at a confirmation (issue 11)
    "pode confirmar", "confirma", "confirmar", "isso e", "e isso", "pode ser sim", "pode sim",
    "fechou", "fechado", "ta bom", "ta bom fechado", "ta fechado", "bora", "bora la", "vamos",
    "vamos la", "uhum", "aham", "uhun", "quero sim", "quero", "ta certinho", "esta certinho",
    "pode marcar", "pode fazer", "pode mandar", "manda", "tudo bem", "ok pode", "sim pode",
    "ta otimo", "otimo", "show", "top", "perfeitamente", "isso mesmo e", "ta", "certo sim",
})
# "simm", "siiim", "okk": a word stretched by a held key.
_STRETCHED_YES = re.compile(r"^(?:s+i+m+|o+k+|u+h+u+m+|a+h+a+m+)$")
YES_EMOJI = frozenset("👍✅👌🆗")
NO_EMOJI = frozenset("👎❌🚫")
NO_PHRASES = frozenset({
    "nao", "n", "negativo", "errado", "incorreto", "esta errado", "ta errado",
    "nao esta certo", "nao ta certo", "nao esta correto", "nao ta correto", "nao e",
    "nao e esse", "nao e isso", "nao confere", "mudou", "nao nao",
    "agora nao", "nao quero", "melhor nao", "nao obrigado", "nao obrigada", "nao precisa",
    "nem", "deixa pra la", "deixa", "esquece", "nao pode", "de jeito nenhum", "nunca",
    "nao quero nao", "nao nao quero", "nao confirmo", "negativo nao",
})
_CLAUSES = re.compile(r"\s*[,.;:!?]+\s*|\s+-\s+")
# "sim, mas…", "ok, só que…", "fechou, não": what follows takes the yes back.
BUT = re.compile(r"\b(?:mas|porem|so que|nao)\b")


def clauses(text: str | None) -> list[str]:
    """'Sim, está correto!' -> ['sim', 'esta correto']"""
    return [c.strip(" -") for c in _CLAUSES.split(normalize(text)) if c.strip(" -")]


def yes_no(text: str | None, *, extra_yes: frozenset[str] | set[str] = frozenset()) -> bool | None:
    """True for a clear yes, False for a clear no, None otherwise ("não sei", "sim, mas…").

    The first clause decides; a yes followed by a "mas"/"não" clause is not clear."""
    parts = clauses(text)
    if not parts:
        return _emoji_answer(text)
    first, rest = parts[0], parts[1:]
    if first in NO_PHRASES:
        return False
    is_yes = first in YES_PHRASES or first in extra_yes or bool(_STRETCHED_YES.match(first)) or (
        first.startswith("sim ") and not BUT.search(first))
    if is_yes and not any(BUT.search(part) for part in rest):
        return True
    return None


def _emoji_answer(text: str | None) -> bool | None:
    """'👍', '👍🏻', '✅' alone: yes; '👎' alone: no."""
    if not is_emoji_only(text):
        return None
    marks = set(text or "")
    if marks & YES_EMOJI and not marks & NO_EMOJI:
        return True
    if marks & NO_EMOJI and not marks & YES_EMOJI:
        return False
    return None


def after_yes_no(text: str | None) -> str:
    """The original text after a leading yes/no word: 'Não, Rua X 10' -> 'Rua X 10'."""
    match = re.match(r"\s*(?:n[ãa]o|sim|errado|negativo)\b[\s,.;:!-]*(?:(?:est[áa]|t[áa]) "
                     r"(?:certo|correto|errado)\b[\s,.;:!-]*)?", text or "", re.IGNORECASE)
    return (text or "")[match.end():].strip() if match else (text or "").strip()


# -- closings ------------------------------------------------------------------------
# What people write when they are done: thanks, acknowledgements, goodbyes, an emoji, and
# the short yes/no that answers "Há algo mais em que eu possa ajudar?". A message is a
# closing only when these phrases cover ALL of it, so "obrigado, quero a 2ª via" is not.
_CLOSING_PHRASES = {
    "thanks": (
        "obrigado", "obrigada", "obrigadao", "obrigadinho", "obrigadinha", "obg", "obgd",
        "obgda", "obgdo", "brigado", "brigada", "brigadao", "valeu", "vlw", "valew", "agradeco",
        "agradecido", "agradecida", "grato", "grata", "gratidao", "thanks", "thank you",
        "muito obrigado", "muito obrigada", "mto obrigado", "mto obrigada", "mt obrigado",
        "mt obrigada", "muito grato", "muito grata", "pela ajuda", "pela atencao", "por tudo",
        "mesmo", "deus abencoe", "deus te abencoe",
    ),
    "ack": (
        "ok", "okay", "oks", "okk", "okey", "blz", "beleza", "certo", "ta bom", "ta bem",
        "ta otimo", "ta certo", "ta", "entendi", "entendido", "show", "show de bola", "otimo",
        "otima", "perfeito", "perfeita", "legal", "top", "joia", "combinado", "tudo bem",
        "tudo certo", "certinho", "ciente", "ah", "ah ta", "hum", "uhum", "aham", "massa",
        "maravilha", "excelente", "de boa", "tranquilo", "fechado", "ta joia",
    ),
    "goodbye": (
        "tchau", "tchauzinho", "ate mais", "ate logo", "ate breve", "ate a proxima", "falou",
        "flw", "so isso", "era so isso", "e so isso", "e so", "era so", "nada mais", "mais nada",
        "por enquanto e so", "por enquanto nao", "nao preciso", "nao preciso de mais nada",
        "nao precisa", "nada", "agora nao", "abraco", "abracos", "bjs", "beijos",
        "fica com deus", "fique com deus", "tenha um bom dia", "bom descanso",
    ),
    "no": ("nao", "n", "nao nao"),
    "yes": ("sim", "s", "ss", "sim sim", "claro", "quero", "pode ser", "pode", "tenho", "preciso",
            "com certeza"),
}
# Greetings only round off a closing ("obrigada, boa noite"); alone they are greetings.
_CLOSING_FILLERS = ("e", "entao", "bom dia", "boa tarde", "boa noite", "de novo", "a voce",
                    "pra voce", "para voce", "viu", "moca")
_PHRASE_KIND = {p: kind for kind, phrases in _CLOSING_PHRASES.items() for p in phrases}
_PHRASE_KIND.update({p: None for p in _CLOSING_FILLERS})
_LONGEST_PHRASE = max(len(p.split()) for p in _PHRASE_KIND)
_EMOJI_CATEGORIES = {"So", "Sk", "Mn", "Me", "Cf", "Zs"}  # pictographs, skin tones, joiners


def is_emoji_only(text: str | None) -> bool:
    """'👍', '🙏🏻', '❤️': symbols (and their modifiers) with no letter or digit."""
    stripped = (text or "").strip()
    return bool(stripped) and any(unicodedata.category(ch) == "So" for ch in stripped) and all(
        unicodedata.category(ch) in _EMOJI_CATEGORIES or ch in "!.," for ch in stripped)


def closing(text: str | None) -> str | None:
    """'thanks', 'ack', 'goodbye' or 'yes' when the whole message is a closing, else None.

    A "não" makes it a goodbye ("não, obrigada") unless it negates what follows
    ("não entendi", "não tá certo"): then it is no closing at all. A "sim" makes it a yes."""
    if is_emoji_only(text):
        return None if mood.angry(text) else "ack"  # "😡" is no "Combinado! 😊"
    kinds: list = []
    for clause in clauses(text):
        found = _cover(clause.split())
        if found is None or _negates(found):
            return None
        kinds += found
    for kind, said in (("goodbye", {"goodbye", "no"}), ("yes", {"yes"}), ("thanks", {"thanks"}),
                       ("ack", {"ack"})):
        if said & set(kinds):
            return kind
    return None


def _negates(kinds: list) -> bool:
    """A "não" before an acknowledgement or a yes in the same clause."""
    return any(k == "no" and later in ("ack", "yes")
               for i, k in enumerate(kinds) for later in kinds[i + 1:])


def _cover(words: list[str]) -> list | None:
    """The kinds of the phrases covering `words` exactly, in order (longest phrase
    first), or None when some word is not part of a closing."""
    kinds: list = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_PHRASE, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + size])
            if phrase in _PHRASE_KIND:
                kinds.append(_PHRASE_KIND[phrase])
                i += size
                break
        else:
            return None
    return kinds
