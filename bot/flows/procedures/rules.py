"""Authorization rules as pure functions over config/procedures/*.yaml (validated here):
the ANS answer deadline of a request, the TUSS subset that recognises what people write,
and the formats of the requesting professional's council registration."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.language.text import normalize
from bot.platform.calendar import add_business_days
from bot.platform.config import ROOT

CONFIG_DIR = ROOT / "config" / "procedures"


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    rn623_business_days: int | None = Field(default=None, ge=0)
    rn566_business_days: int | None = Field(default=None, ge=0)
    operator_business_days: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_deadline(self):
        if self.deadline_days is None:
            raise ValueError("a category needs rn623_business_days or operator_business_days")
        return self

    @property
    def deadline_days(self) -> int | None:
        """RN 623 (or the operator's own, OPME), never longer than the RN 566 guarantee."""
        base = self.operator_business_days if self.operator_business_days is not None \
            else self.rn623_business_days
        if base is None:
            return None
        if self.rn566_business_days is not None:
            return min(base, self.rn566_business_days)
        return base


class DeadlineRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: dict[str, Category]
    default_category: str
    alert_business_days_before: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _default_known(self):
        if self.default_category not in self.categories:
            raise ValueError(f"default_category {self.default_category!r} is not a category")
        return self

    def category(self, name: str | None) -> Category:
        return self.categories.get(name or "", self.categories[self.default_category])


class Procedure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^\d{8}$")
    names: list[str] = Field(min_length=1)
    category: str

    @property
    def name(self) -> str:
        return self.names[0][:1].upper() + self.names[0][1:]


class Tuss(BaseModel):
    model_config = ConfigDict(extra="forbid")
    procedures: list[Procedure]


def _load(name: str) -> dict:
    return yaml.safe_load((CONFIG_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def deadline_rules() -> DeadlineRules:
    return DeadlineRules.model_validate(_load("ans_deadlines.yaml"))


@lru_cache(maxsize=1)
def tuss() -> Tuss:
    table = Tuss.model_validate(_load("tuss.yaml"))
    unknown = {p.category for p in table.procedures} - set(deadline_rules().categories)
    if unknown:
        raise ValueError(f"tuss.yaml: unknown categories {sorted(unknown)}")
    return table


def check() -> None:
    """Load and validate both files now (start-up), so a broken file names itself."""
    tuss()


def answer_deadline(requested_on: date, category: str | None, state: str | None) -> date:
    """The date by which the operator must answer a request of this category, counted in
    business days with national and `state` holidays."""
    days = deadline_rules().category(category).deadline_days
    return add_business_days(requested_on, days, state)


# -- recognising the procedure -------------------------------------------------------------
_CODE = re.compile(r"(?<!\d)(\d{8})(?!\d)")


def by_code(code: str) -> Procedure | None:
    return next((p for p in tuss().procedures if p.code == code), None)


def recognise(text: str) -> tuple[str | None, str]:
    """(TUSS code or None, name) of what the person wrote: an 8-digit code (known or not),
    a listed name inside the text (longest first), else the text itself."""
    found = _CODE.search(text or "")
    if found:
        known = by_code(found.group(1))
        rest = (text[:found.start()] + text[found.end():]).strip(" -:,")
        return found.group(1), known.name if known else (rest or text.strip())
    norm = normalize(text)
    best = None
    for procedure in tuss().procedures:
        for name in procedure.names:
            if re.search(rf"\b{re.escape(normalize(name))}\b", norm) and (
                    best is None or len(name) > len(best[1])):
                best = (procedure, name)
    if best:
        return best[0].code, best[0].name
    return None, " ".join((text or "").split())[:200]


def category_of(code: str | None) -> str | None:
    known = by_code(code) if code else None
    return known.category if known else None


# -- the requesting professional -----------------------------------------------------------
UFS = frozenset("AC AL AM AP BA CE DF ES GO MA MG MS MT PA PB PE PI PR RJ RN RO RR RS SC SE SP TO"
                .split())
_COUNCIL = re.compile(r"\b(crm|cro)\b\s*[-:/]?\s*(?:n[ºo°.]*\s*)?([a-z]{2})?\s*[-:/]?\s*"
                      r"(\d{1,3}(?:\.?\d{3})?|\d{1,7})\s*(?:[-/ ]\s*([a-z]{2}))?\b")


def council(text: str) -> dict | None:
    """'CRM 12345/MS', 'CRM-MS 12345', 'cro ms 4567': {council, number, uf}; None when the
    council, the number (1-7 digits) or a valid UF is missing."""
    found = _COUNCIL.search(normalize(text))
    if not found:
        return None
    kind, uf_before, number, uf_after = found.groups()
    uf = (uf_after or uf_before or "").upper()
    number = number.replace(".", "")
    if uf not in UFS or not number.isdigit() or not 1 <= len(number) <= 7:
        return None
    return {"council": kind.upper(), "number": str(int(number)), "uf": uf}


def doctor_name(text: str) -> str:
    """The text before the council registration, without 'Dr.'-style noise at the ends."""
    at = re.search(r"\b(?:crm|cro)\b", text or "", re.I)
    name = text[:at.start()] if at else (text or "")
    return " ".join(name.replace(",", " ").split()).strip(" -:")[:160]
