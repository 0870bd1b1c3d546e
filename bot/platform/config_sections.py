"""Settings of the features built on the core (e-mail and teams, procedures, the
pipeline's operations): how each reads its variables and what it refuses. `Settings`
(bot/platform/config.py) holds the fields and calls these."""
from __future__ import annotations

from email.policy import default
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.platform.config import Settings, _EnvReader

# -- e-mail channel (bot/channels/email) ---------------------------------------------
SMTP_SECURITIES = {"starttls": 587, "tls": 465, "none": 25}
EMBEDDED_EMAIL_FROM = "atendimento@planbot.localhost"


def _email_settings(env: _EnvReader) -> dict:
    return dict(
        smtp_host=env.text("SMTP_HOST"),
        smtp_port=env.integer("SMTP_PORT", 0),
        smtp_user=env.text("SMTP_USER"),
        smtp_password=env.text("SMTP_PASSWORD"),
        smtp_security=env.text("SMTP_SECURITY", "starttls").lower(),
        email_from=env.text("EMAIL_FROM"),
        email_reply_to=env.text("EMAIL_REPLY_TO"),
        email_webhook_user=env.text("EMAIL_WEBHOOK_USER"),
        email_webhook_password=env.text("EMAIL_WEBHOOK_PASSWORD"),
        email_webhook_signing_key=env.text("EMAIL_WEBHOOK_SIGNING_KEY"),
        team_email_contas_medicas=env.text("TEAM_EMAIL_CONTAS_MEDICAS"),
        team_email_finance=env.text("TEAM_EMAIL_FINANCE"),
        team_email_registration=env.text("TEAM_EMAIL_REGISTRATION"),
        email_session_idle_minutes=env.integer("EMAIL_SESSION_IDLE_MINUTES", 1440),
    )


def _address_problem(name: str, value: str) -> str | None:

    if not value:
        return None
    header = default.header_factory("from", value)
    if header.defects or len(header.addresses) != 1 or not header.addresses[0].domain:
        return f"{name} {value!r} is not an e-mail address (e.g. Plano <atendimento@plano.com.br>)"
    return None


def email_problems(s: Settings) -> list[str]:
    problems = [_address_problem("EMAIL_FROM", s.email_from),
                _address_problem("EMAIL_REPLY_TO", s.email_reply_to)]
    if s.smtp_security not in SMTP_SECURITIES:
        problems.append(f"SMTP_SECURITY must be one of starttls, tls, none, not {s.smtp_security!r}")
    if not 0 <= s.smtp_port <= 65535:
        problems.append(f"SMTP_PORT must be a TCP port (1-65535), not {s.smtp_port}")
    if s.smtp_host and not s.email_from:
        problems.append("EMAIL_FROM is required with SMTP_HOST: mail must come from the "
                        "operator's own address")
    if bool(s.smtp_user) != bool(s.smtp_password):
        problems.append("SMTP_USER and SMTP_PASSWORD go together: set both or neither")
    if bool(s.email_webhook_user) != bool(s.email_webhook_password):
        problems.append("EMAIL_WEBHOOK_USER and EMAIL_WEBHOOK_PASSWORD go together: set both "
                        "or neither")
    if s.email_session_idle_minutes < 1:
        problems.append("EMAIL_SESSION_IDLE_MINUTES must be at least 1 (minutes), not "
                        f"{s.email_session_idle_minutes}")
    problems += _team_problems(s)
    return [p for p in problems if p]


TEAM_SETTINGS = {"contas_medicas": "TEAM_EMAIL_CONTAS_MEDICAS", "finance": "TEAM_EMAIL_FINANCE",
                 "registration": "TEAM_EMAIL_REGISTRATION"}


def _team_problems(s: Settings) -> list[str]:
    problems = []
    for team, variable in TEAM_SETTINGS.items():
        value = getattr(s, f"team_email_{team}")
        if value:
            problems.append(_address_problem(variable, value))
        elif s.smtp_host:
            problems.append(f"{variable} is required with SMTP_HOST: cases handed to that "
                            "team are sent to it by e-mail")
    return problems
# -- procedures, guides and billing disputes (issue 15) --------------------------------
def _procedures_settings(env: _EnvReader) -> dict:
    return dict(
        operator_webhook_secret=env.text("OPERATOR_WEBHOOK_SECRET"),
        operator_webhook_window_seconds=env.integer("OPERATOR_WEBHOOK_WINDOW_SECONDS", 300),
        guide_poll_minutes=env.integer("GUIDE_POLL_MINUTES", 0),
        guide_alert_business_days=env.integer("GUIDE_ALERT_BUSINESS_DAYS", 1),
        content_guide_sid=env.text("TWILIO_CONTENT_GUIDE_SID"),
        content_dispute_sid=env.text("TWILIO_CONTENT_DISPUTE_SID"),
    )


def procedures_problems(s: Settings) -> list[str]:
    problems = []
    if s.operator_webhook_window_seconds < 1:
        problems.append("OPERATOR_WEBHOOK_WINDOW_SECONDS must be a positive number of seconds")
    if s.guide_poll_minutes < 0 or s.guide_alert_business_days < 0:
        problems.append("GUIDE_POLL_MINUTES and GUIDE_ALERT_BUSINESS_DAYS cannot be negative")
    return [p for p in problems if p]


# -- pipeline throughput and operations ---------------------------------------------------
def _pipeline_settings(env: _EnvReader) -> dict:
    rate = env.integer("WHATSAPP_MAX_PER_SECOND", 80)
    if rate < 1:
        env.problems.append(f"WHATSAPP_MAX_PER_SECOND must be at least 1, not {rate}")
        rate = 80
    return dict(
        whatsapp_max_per_second=rate,
        metrics_token=env.text("METRICS_TOKEN"),
        worker_metrics_port=env.integer("WORKER_METRICS_PORT", 0),
    )
