"""Specialty catalogue with the words people use, and ANS deadline categories.

RN 566/2022 (ANS): basic specialties (pediatrics, general practice, general surgery,
gynaecology/obstetrics) and dentistry within 7 business days; other medical specialties
within 14.

Matching is deliberately conservative because `match_specialty` also runs on every idle
message as an intent recognizer: a false hit ("à vista" -> Oftalmologia, "a gente" ->
Odontologia) would pull someone out of another journey.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.language.text import normalize

DEADLINE_DAYS = {"basic": 7, "dental": 7, "other": 14}


@dataclass(frozen=True)
class Specialty:
    code: str  # stable id stored in appointments and provider data
    name: str  # pt-BR display name
    category: str  # basic | dental | other (ANS deadline category)
    synonyms: tuple[str, ...]  # specialty and professional names: typos tolerated
    keywords: tuple[str, ...] = ()  # body parts / conditions: exact words only

    @property
    def deadline_business_days(self) -> int:
        return DEADLINE_DAYS[self.category]


CATALOGUE = (
    Specialty("clinica_medica", "Clínica Médica", "basic",
              ("clinica medica", "clinico geral", "clinica geral", "clinico", "medico clinico",
               "medico geral", "generalista", "medico de familia"),
              ("check up", "checkup")),
    Specialty("pediatria", "Pediatria", "basic",
              ("pediatria", "pediatra", "medico de crianca", "medico infantil")),
    Specialty("ginecologia", "Ginecologia e Obstetrícia", "basic",
              ("ginecologia", "ginecologista", "gineco", "ginecologa", "obstetra",
               "obstetricia", "ginecologia e obstetricia"),
              ("pre natal", "prenatal", "preventivo")),
    # Bare "cirurgia" is left out: "autorização de cirurgia" is a procedure request.
    Specialty("cirurgia_geral", "Cirurgia Geral", "basic",
              ("cirurgia geral", "cirurgiao geral", "cirurgiao")),
    Specialty("odontologia", "Odontologia", "dental",
              ("odontologia", "odontologo", "odontologa", "odonto", "dentista",
               "cirurgiao dentista"),
              ("dente", "dentes", "dor de dente", "tratamento de canal", "limpeza dental")),
    Specialty("cardiologia", "Cardiologia", "other",
              ("cardiologia", "cardiologista", "cardio"),
              ("coracao", "cardiaco", "pressao alta")),
    Specialty("ortopedia", "Ortopedia e Traumatologia", "other",
              ("ortopedia", "ortopedista", "orto", "traumatologia", "traumatologista"),
              ("coluna", "joelho", "fratura")),
    Specialty("dermatologia", "Dermatologia", "other",
              ("dermatologia", "dermatologista", "dermato", "derma"),
              ("pele", "manchas na pele")),
    # "vista" alone is left out: "pagar à vista" is about money, not eyes.
    Specialty("oftalmologia", "Oftalmologia", "other",
              ("oftalmologia", "oftalmologista", "oftalmo", "oculista"),
              ("olhos", "exame de vista", "oculos")),
    Specialty("otorrinolaringologia", "Otorrinolaringologia", "other",
              ("otorrinolaringologia", "otorrinolaringologista", "otorrino"),
              ("ouvido", "garganta", "sinusite")),
    Specialty("endocrinologia", "Endocrinologia", "other",
              ("endocrinologia", "endocrinologista", "endocrino"),
              ("tireoide", "diabetes")),
    Specialty("neurologia", "Neurologia", "other",
              ("neurologia", "neurologista", "neuro"),
              ("enxaqueca",)),
    Specialty("urologia", "Urologia", "other",
              ("urologia", "urologista", "uro"),
              ("prostata",)),
    Specialty("psiquiatria", "Psiquiatria", "other",
              ("psiquiatria", "psiquiatra"),
              ()),
)

# Care people ask for that this journey cannot book: other health professionals (covered
# by the plan with a referral, but not in the operator's agenda), medical specialties
# outside the catalogue, and exams. Named so the bot can say so and point to a person
# instead of "não reconheci"; checked before typo tolerance, so "nefrologista" is never
# read as a typo of "neurologista".
@dataclass(frozen=True)
class OutsideArea:
    name: str  # pt-BR, as the reply names it
    words: tuple[str, ...]


OUTSIDE_CATALOGUE = (
    OutsideArea("Psicologia", ("psicologia", "psicologo", "psicologa", "psicologos",
                               "psicoterapia", "psicoterapeuta", "psicanalista")),
    OutsideArea("Nutrição", ("nutricionista", "nutricionistas", "nutricao", "nutri")),
    OutsideArea("Fisioterapia", ("fisioterapia", "fisioterapeuta", "fisio", "pilates",
                                 "rpg")),
    OutsideArea("Fonoaudiologia", ("fonoaudiologia", "fonoaudiologo", "fonoaudiologa",
                                   "fono")),
    OutsideArea("Terapia ocupacional", ("terapia ocupacional", "terapeuta ocupacional")),
    OutsideArea("Acupuntura", ("acupuntura", "acupunturista")),
    OutsideArea("Geriatria", ("geriatria", "geriatra")),
    OutsideArea("Reumatologia", ("reumatologia", "reumatologista", "reumato")),
    OutsideArea("Gastroenterologia", ("gastroenterologia", "gastroenterologista",
                                      "gastro")),
    OutsideArea("Pneumologia", ("pneumologia", "pneumologista", "pneumo")),
    OutsideArea("Nefrologia", ("nefrologia", "nefrologista", "nefro")),
    OutsideArea("Oncologia", ("oncologia", "oncologista")),
    OutsideArea("Hematologia", ("hematologia", "hematologista")),
    OutsideArea("Angiologia", ("angiologia", "angiologista", "vascular")),
    OutsideArea("Alergologia", ("alergologia", "alergista", "imunologista")),
    OutsideArea("Infectologia", ("infectologia", "infectologista")),
    OutsideArea("Mastologia", ("mastologia", "mastologista")),
    OutsideArea("Proctologia", ("proctologia", "proctologista", "coloproctologista")),
    OutsideArea("Nutrologia", ("nutrologia", "nutrologo", "nutrologa")),
    OutsideArea("Exames", ("exame de sangue", "exames de sangue", "exame", "exames",
                           "ultrassom", "ultrassonografia", "ecografia", "raio x",
                           "ressonancia", "tomografia", "mamografia", "endoscopia",
                           "colonoscopia", "eletrocardiograma", "hemograma")),
)
_BY_CODE = {s.code: s for s in CATALOGUE}
_NAMES = {syn: s for s in CATALOGUE for syn in s.synonyms}
_KEYWORDS = {kw: s for s in CATALOGUE for kw in s.keywords}


def _phrase_pattern(phrases) -> re.Pattern:
    # Longest first, so "cirurgiao dentista" wins over "cirurgiao" at the same position.
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b")


_NAME_RE = _phrase_pattern(_NAMES)
_KEYWORD_RE = _phrase_pattern(_KEYWORDS)
_OUTSIDE = {w: area for area in OUTSIDE_CATALOGUE for w in area.words}
_OUTSIDE_RE = _phrase_pattern(_OUTSIDE)
# Typo tolerance limits: short words collide with ordinary ones ("dente"/"gente"), and
# typos rarely hit the first letters ("urologista" must not become "neurologista").
_FUZZY_MIN_LEN = 6
_FUZZY_CUTOFF = 86
# Real words one typo away from a name that mean something else ("autorização de cirurgia"
# is a procedure request, "a clínica" is a place).
_NOT_TYPOS = {"cirurgia", "cirurgias", "clinica", "clinicas", "cardapio"}


def by_code(code: str) -> Specialty:
    return _BY_CODE[code]


def match_specialty(text: str) -> Specialty | None:
    """The specialty a message asks for, or None. Names beat keywords; the last name
    mentioned wins ("não é cardio, é dermato")."""
    norm = _clean(text)
    if not norm:
        return None
    names = _NAME_RE.findall(norm)
    if names:
        return _NAMES[names[-1]]
    keywords = _KEYWORD_RE.findall(norm)
    if keywords:
        return _KEYWORDS[keywords[-1]]
    if _OUTSIDE_RE.search(norm):
        return None  # "nefrologista" is not a typo of "neurologista"
    return _fuzzy(norm.split())


def match_outside(text: str) -> OutsideArea | None:
    """The care a message asks for that the journey cannot book ("marcar psicólogo",
    "quero nutricionista"), or None — also when it names a specialty we do book
    ("psiquiatra ou psicólogo" is a psychiatry request)."""
    if match_specialty(text) is not None:
        return None
    found = _OUTSIDE_RE.findall(_clean(text))
    return _OUTSIDE[found[-1]] if found else None


# Idioms that contain a keyword but ask for nothing ("obrigada de coração").
_IDIOMS = re.compile(r"\bde coracao\b")


def _clean(text: str) -> str:
    norm = re.sub(r"[^a-z0-9 ]+", " ", normalize(text))
    return " ".join(_IDIOMS.sub(" ", norm).split())


def _fuzzy(words: list[str]) -> Specialty | None:
    # Single words against one-word names, word pairs against two-word names.
    candidates = words + [" ".join(pair) for pair in zip(words, words[1:])]
    best, best_score = None, 0.0
    for candidate in candidates:
        if len(candidate) < _FUZZY_MIN_LEN or candidate in _NOT_TYPOS:
            continue
        for name, specialty in _NAMES.items():
            if len(name) < _FUZZY_MIN_LEN or name.count(" ") != candidate.count(" "):
                continue
            if name[:2] != candidate[:2]:
                continue
            score = fuzz.ratio(candidate, name)
            if score >= _FUZZY_CUTOFF and score > best_score:
                best, best_score = specialty, score
    return best
