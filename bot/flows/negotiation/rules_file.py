"""The negotiation's rules file (config/negotiation/*.yaml): its validated model and its
loading. Everything that varies between portfolios is data here; an invalid file names
the file and the field (`RulesError`), at the app's start."""
from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.platform.config import ROOT, ConfigurationError


class RulesError(ConfigurationError):
    """An invalid rules file: the message names the file and the field."""

    setting = "NEGOTIATION_RULES_FILE"


def of(runtime) -> "NegotiationRules":
    """The deployment's rules, loaded once per process (NEGOTIATION_RULES_FILE)."""
    return runtime.resource("negotiation_rules", load_rules)


Pct = Annotated[Decimal, Field(ge=0, le=100)]
Money = Annotated[Decimal, Field(ge=0, decimal_places=2)]
PLACEHOLDERS = ("phone", "operator", "collector")


class Band(BaseModel):
    """Days overdue [min_days, max_days] (max_days None = open-ended) and its discounts.
    There is deliberately no installments principal field: extra keys are refused."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    min_days: int = Field(ge=0)
    max_days: int | None = Field(default=None, ge=0)
    cash_interest_fine_pct: Pct
    cash_principal_pct: Pct
    installments_interest_fine_pct: Pct


class TitleCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = Field(min_length=1)
    max_installments: int = Field(ge=1, le=60)  # after the entrada: "Entrada + 9x" -> 9


class NegotiationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    operator_name: str = Field(min_length=1)
    collector_name: str = Field(min_length=1)
    plan_phone: str = Field(min_length=8)
    boleto_surcharge: Money
    max_due_days: int = Field(ge=0, le=60)
    min_entrada: Money
    min_installment: Money
    atz_window_days: int = Field(ge=0, le=60)
    # Added after the first rules files were written: documented defaults, so an
    # operator's older file keeps working (config/negotiation/cassems.yaml explains each).
    atz_max_reissues: int = Field(default=2, ge=0, le=12)
    agreement_break_after_days: int = Field(default=10, ge=0, le=365)
    # Boletos "chegam em até 24 horas": the first due date is at least this many business
    # days after today (national and the person's state holidays), so it can be met.
    min_due_business_days: int = Field(default=2, ge=0, le=10)
    discount_band_scope: Literal["agreement", "contact"] = "agreement"
    # Portuguese needs the plan's article: "da CASSEMS", "do Plano de Saúde Demo".
    operator_article: Literal["a", "o"] = "a"
    discount_bands: list[Band] = Field(min_length=1)
    title_codes: dict[str, TitleCode] = Field(min_length=1)
    non_blocking_codes: list[str] = []
    reports_to_credit_bureaus: bool
    phrases: dict[str, str]

    @field_validator("title_codes", "non_blocking_codes", mode="before")
    @classmethod
    def _codes_are_quoted(cls, value):
        # Unquoted, YAML reads 050 as the octal number 40 and 001 as 1: say so plainly.
        for code in (value.keys() if isinstance(value, dict) else value or []):
            if not isinstance(code, str):
                raise ValueError(f"code {code!r} must be a quoted 3-digit string, e.g. \"050\"")
        return value

    @field_validator("title_codes", "non_blocking_codes")
    @classmethod
    def _codes_have_three_digits(cls, codes):
        bad = [c for c in codes if not re.fullmatch(r"\d{3}", c)]
        if bad:
            raise ValueError(f"title codes must have 3 digits: {bad}")
        return codes

    @field_validator("discount_bands")
    @classmethod
    def _bands_cover_every_day_once(cls, bands: list[Band]) -> list[Band]:
        expected = 0
        for i, band in enumerate(bands):
            last = i == len(bands) - 1
            if band.min_days != expected:
                raise ValueError(f"discount_bands[{i}] must start at day {expected} (no gaps or overlaps)")
            if band.max_days is None and not last:
                raise ValueError(f"discount_bands[{i}]: only the last band is open-ended")
            if band.max_days is not None:
                if last:
                    raise ValueError("the last discount band must be open-ended (max_days: null)")
                if band.max_days < band.min_days:
                    raise ValueError(f"discount_bands[{i}]: max_days before min_days")
                expected = band.max_days + 1
        return bands

    @field_validator("phrases")
    @classmethod
    def _phrases_render(cls, phrases: dict[str, str]) -> dict[str, str]:
        if "{phone}" not in phrases.get("closing", ""):
            raise ValueError("phrases.closing (the mandatory closing sentence) is required and must contain {phone}")
        for name, text in phrases.items():
            try:  # a typo in a placeholder would otherwise crash mid-conversation
                text.format(**dict.fromkeys(PLACEHOLDERS, ""))
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"phrases.{name}: bad placeholder {exc}; allowed: "
                                 + ", ".join("{%s}" % p for p in PLACEHOLDERS)) from None
        return phrases

    @model_validator(mode="after")
    def _break_after_the_atz_window(self):
        # Otherwise a boleto overdue by a few days would be broken before it could be reissued.
        if self.agreement_break_after_days < self.atz_window_days:
            raise ValueError(f"agreement_break_after_days ({self.agreement_break_after_days}"
                             f"{', the default' if 'agreement_break_after_days' not in self.model_fields_set else ''}) "
                             "must be at least atz_window_days")
        return self

    @model_validator(mode="after")
    def _cash_discount_is_the_maximum(self):
        for i, band in enumerate(self.discount_bands):
            if band.installments_interest_fine_pct > band.cash_interest_fine_pct:
                raise ValueError(f"discount_bands[{i}]: installments_interest_fine_pct above "
                                 "cash_interest_fine_pct (the cash discount is the maximum)")
        return self

    @model_validator(mode="after")
    def _non_blocking_codes_known(self):
        unknown = [c for c in self.non_blocking_codes if c not in self.title_codes]
        if unknown:
            raise ValueError(f"non_blocking_codes not in title_codes: {unknown}")
        return self

    def band_for(self, days: int) -> Band:
        for band in self.discount_bands:
            if days >= band.min_days and (band.max_days is None or days <= band.max_days):
                return band
        raise AssertionError("validated bands cover every day")

    def max_installments(self, code: str) -> int:
        entry = self.title_codes.get(code)
        # An unknown code is negotiated in cash or with one installment until the operator
        # adds it to the table: the bot never invents a longer plan.
        return entry.max_installments if entry else 1

    @property
    def of_operator(self) -> str:
        """'da CASSEMS' / 'do Plano de Saúde Demo'."""
        return f"d{self.operator_article} {self.operator_name}"

    @property
    def the_operator(self) -> str:
        """'a CASSEMS' / 'o Plano de Saúde Demo'."""
        return f"{self.operator_article} {self.operator_name}"

    def phrase(self, name: str) -> str:
        return self.phrases[name].format(phone=self.plan_phone, operator=self.operator_name,
                                         collector=self.collector_name)

    def closing_phrase(self) -> str:
        return self.phrase("closing")


RULES_DIR = ROOT / "config" / "negotiation"


def default_rules_path() -> Path:
    """NEGOTIATION_RULES_FILE, else the demo operator's rules (like every other default
    setting, the demo's): a real deployment points it at its operator's file."""
    return Path(os.environ.get("NEGOTIATION_RULES_FILE", "").strip() or RULES_DIR / "demo.yaml")


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


def load_rules(path: Path | str | None = None) -> NegotiationRules:
    path = Path(path or default_rules_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the negotiation rules ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise RulesError(f"{path}: expected a mapping of rules")
    try:
        return NegotiationRules.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise RulesError(f"{path}: invalid negotiation rules — {problems}") from exc
