"""Dispute settings as data (config/disputes.yaml): contas médicas' answer deadline in
business days and the tesouraria where a credit on the current bill is settled."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.platform.calendar import add_business_days
from bot.platform.config import ROOT


class Tesouraria(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=5)
    hours: str = Field(min_length=3)


class DisputeRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer_business_days: int = Field(ge=1)
    tesouraria: Tesouraria


@lru_cache(maxsize=1)
def of() -> DisputeRules:
    raw = yaml.safe_load((ROOT / "config" / "disputes.yaml").read_text(encoding="utf-8"))
    return DisputeRules.model_validate(raw)


def answer_deadline(opened_on: date, state: str | None) -> date:
    return add_business_days(opened_on, of().answer_business_days, state)
