"""Specialty catalogue with the words people use, and ANS deadline categories.

RN 566/2022 (ANS): basic specialties (pediatrics, general practice, general surgery,
gynaecology/obstetrics) and dentistry within 7 business days; other medical specialties
within 14.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.text import normalize

DEADLINE_DAYS = {"basic": 7, "dental": 7, "other": 14}


@dataclass(frozen=True)
class Specialty:
    code: str
    name: str
    category: str  # basic | dental | other
    synonyms: tuple[str, ...]

    @property
    def deadline_business_days(self) -> int:
        return DEADLINE_DAYS[self.category]


CATALOGUE = (
    Specialty("clinica_medica", "Clínica Médica", "basic",
              ("clinica medica", "clinico geral", "clinico", "clinica geral", "medico geral",
               "generalista", "medico de familia", "check up", "checkup")),
    Specialty("pediatria", "Pediatria", "basic", ("pediatria", "pediatra", "medico de crianca")),
    Specialty("ginecologia", "Ginecologia e Obstetrícia", "basic",
              ("ginecologia", "ginecologista", "gineco", "obstetra", "obstetricia", "pre natal",
               "prenatal")),
    Specialty("cirurgia_geral", "Cirurgia Geral", "basic",
              ("cirurgia geral", "cirurgiao geral", "cirurgiao", "cirurgia")),
    Specialty("odontologia", "Odontologia", "dental",
              ("odontologia", "dentista", "odonto", "dente", "dentes", "canal", "limpeza dental")),
    Specialty("cardiologia", "Cardiologia", "other",
              ("cardiologia", "cardiologista", "cardio", "coracao")),
    Specialty("ortopedia", "Ortopedia e Traumatologia", "other",
              ("ortopedia", "ortopedista", "orto", "traumatologia", "coluna", "joelho")),
    Specialty("dermatologia", "Dermatologia", "other",
              ("dermatologia", "dermatologista", "dermato", "pele")),
    Specialty("oftalmologia", "Oftalmologia", "other",
              ("oftalmologia", "oftalmologista", "oftalmo", "oculista", "olhos", "vista")),
    Specialty("otorrinolaringologia", "Otorrinolaringologia", "other",
              ("otorrinolaringologia", "otorrino", "otorrinolaringologista", "ouvido", "garganta")),
    Specialty("endocrinologia", "Endocrinologia", "other",
              ("endocrinologia", "endocrinologista", "endocrino", "tireoide", "diabetes")),
    Specialty("neurologia", "Neurologia", "other", ("neurologia", "neurologista", "neuro")),
)
_BY_CODE = {s.code: s for s in CATALOGUE}
_WORDS = {syn: s for s in CATALOGUE for syn in s.synonyms}
# Ordinary words a fuzzy match must never turn into a specialty.
_STOP = {"sim", "nao", "menu", "amanha", "hoje", "mais", "outra", "data", "para", "mim",
         "consulta", "marcar", "quero", "agendar", "com", "uma", "um", "de", "em", "no", "na"}


def by_code(code: str) -> Specialty:
    return _BY_CODE[code]


def match_specialty(text: str) -> Specialty | None:
    norm = normalize(text)
    if not norm:
        return None
    padded = f" {norm} "
    exact = [syn for syn in _WORDS if f" {syn} " in padded]
    if exact:
        return _WORDS[max(exact, key=len)]
    words = [w for w in norm.replace(",", " ").split() if len(w) >= 5 and w not in _STOP]
    best = None
    for word in words:
        found = process.extractOne(word, [s for s in _WORDS if len(s) >= 5],
                                   scorer=fuzz.ratio, score_cutoff=80)
        if found and (best is None or found[1] > best[1]):
            best = found
    return _WORDS[best[0]] if best else None
