"""Which retention offer (if any) a cancelling beneficiary may be shown: pure functions
over config/cancellation/retention.yaml (CANCELLATION_RETENTION_FILE), validated here.

The offer never decides anything about the cancellation itself: the journey registers the
cancellation first and only then asks `matching_offer`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.platform.config import ConfigurationError

RULES_FILE = Path(__file__).resolve().parents[3] / "config" / "cancellation" / "retention.yaml"


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self

    def holds(self, value) -> bool:
        if value is None:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    loss_ratio_pct: Range | None = None
    days_late: Range | None = None
    age: Range | None = None
    lives: Range | None = None


class Offer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9_]{1,60}$")
    text: str = Field(min_length=10)
    when: Conditions = Conditions()


class RetentionRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    offers: tuple[Offer, ...] = ()


@dataclass(frozen=True)
class Profile:
    """What the conditions look at, from the operator registry."""
    loss_ratio_pct: Decimal | None
    days_late: int
    age: int | None
    lives: int


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:  # a new holder a troca registered without it: no age condition holds
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def matches(conditions: Conditions, profile: Profile) -> bool:
    for name in ("loss_ratio_pct", "days_late", "age", "lives"):
        wanted = getattr(conditions, name)
        if wanted is not None and not wanted.holds(getattr(profile, name)):
            return False
    return True


def matching_offer(rules: RetentionRules, profile: Profile) -> Offer | None:
    return next((o for o in rules.offers if matches(o.when, profile)), None)


class RetentionRulesError(ConfigurationError):
    setting = "CANCELLATION_RETENTION_FILE"


def rules_path() -> Path:
    return Path(os.environ.get("CANCELLATION_RETENTION_FILE", "").strip() or RULES_FILE)


def load_rules(path: Path | str | None = None) -> RetentionRules:
    path = Path(path or rules_path())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return RetentionRules.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RetentionRulesError(f"{path}: {exc}") from exc


def of(runtime) -> RetentionRules:
    """The deployment's offers, loaded once per process."""
    return runtime.resource("cancellation_retention_rules", load_rules)
