"""The retention case as data (the seed-001 form), validated from JSON or a CSV row.

Accepts what the operator's sheets hold: dates as dd/mm/aaaa or ISO, numbers as "1.971",
money as "0,30", lists in CSV as "a|b" (or "a;b" in a ','-separated file), areas as
"cirurgia:2|ortodontia:1" (or a plain list), reason / areas / actions by code or by the form's label.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.flows.retention import documents
from bot.flows.retention.vocabulary import ACTIONS, AREAS, REASONS
from bot.language.text import normalize


def _code(value: str, table: dict[str, str], what: str) -> str:
    key = normalize(str(value)).strip()
    for code, label in table.items():
        if key in (code, normalize(label), normalize(label).replace("ofertado ", "")):
            return code
    raise ValueError(f"{what} desconhecido(a): {value!r}")


def _day(value) -> date | None:
    if value in (None, "", "-"):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"data inválida: {value!r} (use dd/mm/aaaa)")


def _number(value) -> Decimal | None:
    if value in (None, "", "-", "R$ -"):
        return None
    text = str(value).replace("R$", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"número inválido: {value!r}") from None


def _list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[|;]", value) if v.strip()]
    return list(value)


class CaseInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    operator: str = Field(min_length=1, max_length=80)
    cro: str
    uf: str
    dentist_name: str = Field(min_length=2, max_length=160)
    cnpj: str | None = None
    cpf: str | None = None
    included_on: date | None = None
    kind: str = "J"  # F | J
    requested_by: str = "Prestador"
    protocol: str | None = Field(default=None, max_length=40)
    opened_on: date
    city: str = Field(min_length=2, max_length=80)
    lives: int = 0
    unique_cros: int = 0
    other_plans: list[str] = []
    currency_value: Decimal | None = None
    last_production_on: date | None = None
    last_production_value: Decimal | None = None
    areas: dict[str, int] = {}
    actions: list[str] = []
    action_justification: str | None = None
    reason: str | None = None
    competitors_searched: bool = False
    provider_ref: str | None = None
    notes: str | None = None

    @field_validator("included_on", "opened_on", "last_production_on", mode="before")
    @classmethod
    def _dates(cls, v):
        return _day(v)

    @field_validator("lives", "unique_cros", mode="before")
    @classmethod
    def _counts(cls, v):
        n = _number(str(v).replace(".", "") if isinstance(v, str) else v)  # "1.971" lives
        return int(n) if n is not None else 0

    @field_validator("currency_value", "last_production_value", mode="before")
    @classmethod
    def _money(cls, v):
        return _number(v)

    @field_validator("other_plans", "actions", mode="before")
    @classmethod
    def _lists(cls, v):
        return _list(v)

    @field_validator("areas", mode="before")
    @classmethod
    def _areas(cls, v):
        if isinstance(v, dict):
            pairs = list(v.items())
        else:
            pairs = [tuple(item.split(":", 1)) if ":" in item else (item, 0) for item in _list(v)]
        return {_code(name, AREAS, "área"): int(_number(n) or 0) for name, n in pairs}

    @field_validator("actions")
    @classmethod
    def _actions(cls, v):
        return list(dict.fromkeys(_code(a, ACTIONS, "ação de retenção") for a in v))

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, v):
        return _code(v, REASONS, "motivo") if v not in (None, "") else None

    @field_validator("uf")
    @classmethod
    def _uf(cls, v):
        if v.upper() not in documents.UFS:
            raise ValueError(f"UF inválida: {v!r}")
        return v.upper()

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        if v.upper() not in ("F", "J"):
            raise ValueError("tipo deve ser F (pessoa física) ou J (jurídica)")
        return v.upper()

    @field_validator("cnpj", "cpf", "protocol", "action_justification", "reason", "provider_ref",
                     "notes", mode="before")
    @classmethod
    def _blank(cls, v):
        return None if v in ("", "-") else v

    @field_validator("competitors_searched", mode="before")
    @classmethod
    def _yes(cls, v):
        return normalize(str(v)) in ("sim", "s", "true", "1", "x") if isinstance(v, str) else bool(v)

    @model_validator(mode="after")
    def _documents(self):
        if not documents.valid_cro(self.cro, self.uf):
            raise ValueError(f"CRO inválido: {self.cro!r}-{self.uf}")
        self.cro = documents.clean_cro(self.cro)
        if self.cnpj is not None:
            if not documents.valid_cnpj(self.cnpj):
                raise ValueError(f"CNPJ inválido (dígitos verificadores): {self.cnpj!r}")
            self.cnpj = documents.clean_cnpj(self.cnpj)
        if self.cpf is not None:
            if not documents.valid_cpf(self.cpf):
                raise ValueError(f"CPF inválido (dígitos verificadores): {self.cpf!r}")
            self.cpf = documents.clean_cpf(self.cpf)
        if self.cnpj is None and self.cpf is None:
            raise ValueError("informe o CNPJ ou o CPF do prestador")
        if "outros" in self.actions and not (self.action_justification or "").strip():
            raise ValueError('ação "Outros" exige justificativa')
        return self
