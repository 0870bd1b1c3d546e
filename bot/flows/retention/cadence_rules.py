"""The outreach cadence's configuration (config/retention/cadence.yaml), validated, and
its pure date arithmetic (business days on the provider's state calendar, business hours,
the rescission clause's last day)."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.platform import clock
from bot.platform.business_hours import is_open, next_opening, parse_business_hours
from bot.platform.calendar import add_business_days
from bot.platform.config import ConfigurationError

CADENCE_FILE = Path(__file__).resolve().parents[3] / "config" / "retention" / "cadence.yaml"


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: int = Field(ge=1, le=4)
    after_business_days: int = Field(ge=0, le=60)
    channels: tuple[Literal["whatsapp", "email"], ...] = ("whatsapp", "email")
    template: str


class Cadence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    business_hours: str = "seg-sex 08:00-18:00"
    whatsapp_content_sid: str = ""
    notice_days: int = Field(default=60, ge=1, le=365)
    clause: str = Field(min_length=20)
    contacts: tuple[Contact, ...]
    stay_offers: dict[str, str] = {}

    @field_validator("contacts")
    @classmethod
    def _numbered(cls, v):
        if [c.number for c in v] != list(range(1, len(v) + 1)):
            raise ValueError("contacts must be numbered 1, 2, … in order (at most 4)")
        return v

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, v):
        parse_business_hours(v)
        return v

    @property
    def content_sid(self) -> str:
        return os.environ.get("RETENTION_CONTENT_SID", "").strip() or self.whatsapp_content_sid

    def contact(self, number: int) -> Contact | None:
        return next((c for c in self.contacts if c.number == number), None)

    def last_service_day(self, opened_on: date) -> date:
        """The clause: the clinic keeps seeing patients for `notice_days` after notice."""
        return opened_on + timedelta(days=self.notice_days)

    def due_at(self, contact: Contact, since: datetime, uf: str) -> datetime:
        """When `contact` is due (UTC): `after_business_days` business days after `since`
        (UTC), at the first business-hours moment of that day or later."""
        local = clock.to_local(since)
        day = add_business_days(local.date(), contact.after_business_days, uf) \
            if contact.after_business_days else local.date()
        moment = local if day == local.date() else datetime.combine(day, time.min)
        return clock.from_local(self.sendable_from(moment, uf))

    def sendable_from(self, local: datetime, uf: str) -> datetime:
        if is_open(local, self.business_hours, uf):
            return local
        return next_opening(local, self.business_hours, uf) or local

    def open_now(self, uf: str) -> bool:
        return is_open(clock.local_now(), self.business_hours, uf)


class CadenceError(ConfigurationError):
    setting = "RETENTION_CADENCE_FILE"


def load_cadence(path: Path | str | None = None) -> Cadence:
    path = Path(path or os.environ.get("RETENTION_CADENCE_FILE", "").strip() or CADENCE_FILE)
    try:
        return Cadence.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError, ValueError) as exc:
        raise CadenceError(f"{path}: {exc}") from exc


def of(runtime) -> Cadence:
    return runtime.resource("retention_cadence", load_cadence)
