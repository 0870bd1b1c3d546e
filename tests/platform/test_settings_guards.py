"""A configuration that cannot work stops web and worker at start-up, saying why."""
from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime

import pytest

from bot import runtime as runtime_module
from bot.platform import clock
from bot.platform.config import Settings, SettingsError
from tests.conftest import ACCOUNT_SID, BOT_NUMBER, PUBLIC_URL

TWILIO = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "token",
          "TWILIO_WHATSAPP_FROM": BOT_NUMBER}
GOOD = {**TWILIO, "PUBLIC_BASE_URL": PUBLIC_URL, "SECRET_KEY": "a-real-secret"}
INTEGERS = ("SESSION_IDLE_MINUTES", "IDENTITY_MAX_ATTEMPTS", "IDENTITY_BLOCK_MINUTES",
            "MEDIA_URL_TTL_SECONDS", "SWEEP_INTERVAL_SECONDS", "OUTBOUND_MAX_AGE_HOURS",
            "REMINDER_HOURS_BEFORE")
OURS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "PUBLIC_BASE_URL",
        "SECRET_KEY", "PROTOCOL_FORMAT", "TZ_NAME", "SEND_RETRY_INTERVALS", "OPERATOR_PHONE",
        "OPERATOR_STATE", "NEGOTIATION_RULES_FILE", "OPERATOR_API_URL", *INTEGERS)


@pytest.fixture
def environment(monkeypatch, database_url, redis_url):
    for name in OURS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    runtime_module.install(None)

    def configure(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    yield configure
    runtime_module.install(None)
    clock.use_timezone(clock.DEFAULT_TZ_NAME)


def _start_web_app():
    from bot.app import create_app

    return create_app()


def test_twilio_without_public_base_url_refuses_to_start(environment):
    environment(**TWILIO, SECRET_KEY="a-real-secret")
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL is required with Twilio"):
        _start_web_app()


def test_twilio_with_the_default_secret_key_refuses_to_start(environment):
    environment(**TWILIO, PUBLIC_BASE_URL=PUBLIC_URL)
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        _start_web_app()


def test_every_problem_is_listed_at_once(environment):
    environment(**TWILIO, PROTOCOL_FORMAT="{ans}{seq}")
    with pytest.raises(SettingsError) as caught:
        _start_web_app()
    message = str(caught.value)
    assert "PUBLIC_BASE_URL" in message and "SECRET_KEY" in message and "PROTOCOL_FORMAT" in message


@pytest.mark.parametrize("fmt,reason", [
    ("{ans}{data:%Y%m%d}{seq:06d}", "cannot be formatted (KeyError: 'data')"),
    ("{ans}{date:%Y%m%d}{seq:06d", "cannot be formatted (ValueError"),
    ("{ans}{date:%Y%m%d}{seq:06x}{0}", "cannot be formatted (IndexError"),
    ("{ans}-{seq:06d}", "must include both"),
    ("{ans}{date:%Y%m%d}", "must include both"),
    ("{ans}/{date:%Y-%m-%d %H:%M:%S}/{seq:020d}", "the maximum is 40"),
])
def test_protocol_format_is_checked_at_start_up(environment, fmt, reason):
    environment(PROTOCOL_FORMAT=fmt)
    with pytest.raises(SettingsError, match="PROTOCOL_FORMAT") as caught:
        _start_web_app()
    assert reason in str(caught.value)


def test_unknown_time_zone_refuses_to_start(environment):
    environment(TZ_NAME="America/Campo_Grand")
    with pytest.raises(SettingsError, match="TZ_NAME 'America/Campo_Grand' is not an IANA time zone"):
        _start_web_app()


def test_outbound_age_limit_must_be_positive(environment):
    environment(OUTBOUND_MAX_AGE_HOURS="0")
    with pytest.raises(SettingsError, match="OUTBOUND_MAX_AGE_HOURS"):
        _start_web_app()


def test_worker_refuses_to_start_with_a_clear_message(environment, capsys):
    from bot.pipeline import worker as worker_main
    environment(**TWILIO, SECRET_KEY="a-real-secret")
    with pytest.raises(SystemExit) as caught:
        worker_main.run()
    assert caught.value.code == 4
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("planbot worker not started: invalid configuration: ")
    assert "PUBLIC_BASE_URL is required" in line


@pytest.mark.parametrize("name", INTEGERS)
def test_a_malformed_number_is_named(environment, name):
    environment(**{name: "abc"})
    with pytest.raises(SettingsError) as caught:
        _start_web_app()
    assert str(caught.value) == f"invalid configuration: {name} must be a whole number, not 'abc'"


@pytest.mark.parametrize("name", INTEGERS)
def test_a_number_below_one_is_refused(environment, name):
    environment(**{name: "0"})
    with pytest.raises(SettingsError, match=f"{name} must be a positive whole number of .*, not 0"):
        _start_web_app()


def test_malformed_values_are_listed_with_the_other_problems(environment):
    environment(SESSION_IDLE_MINUTES="trinta", SEND_RETRY_INTERVALS="x,y", TZ_NAME="Brasil",
                MEDIA_URL_TTL_SECONDS=" 7200 ")
    with pytest.raises(SettingsError) as caught:
        _start_web_app()
    message = str(caught.value)
    assert "SESSION_IDLE_MINUTES must be a whole number, not 'trinta'" in message
    assert "SEND_RETRY_INTERVALS must be whole numbers separated by commas" in message
    assert "'x,y'" in message and "TZ_NAME 'Brasil'" in message
    assert "MEDIA_URL_TTL_SECONDS" not in message  # surrounding blanks are fine


@pytest.mark.parametrize("raw,problem", [
    ("2,,10", "must be whole numbers separated by commas"),
    ("2;10", "must be whole numbers separated by commas"),
    ("5,-1", "must be non-negative numbers of seconds, not 5,-1"),
])
def test_send_retry_intervals_are_checked_at_start_up(environment, raw, problem):
    environment(SEND_RETRY_INTERVALS=raw)
    with pytest.raises(SettingsError, match=f"SEND_RETRY_INTERVALS {problem}"):
        _start_web_app()


def test_sends_are_retried_at_the_configured_intervals(environment):
    from bot.platform import queueing
    environment(SEND_RETRY_INTERVALS=" 1, 5 ,0")
    app = _start_web_app()
    rt = app.extensions["planbot"]
    assert rt.settings.send_retry_intervals == (1, 5, 0)
    rt.redis.flushdb()
    queueing.deliver_later(rt, 42)
    [job] = rt.queue.get_jobs()
    assert (job.func_name, job.args) == ("bot.pipeline.deliver.deliver_conversation", (42,))
    assert (job.retries_left, job.retry_intervals) == (3, [1, 5, 0])


def test_default_send_retry_intervals(environment):
    app = _start_web_app()
    assert app.extensions["planbot"].settings.send_retry_intervals == (2, 10, 30, 120, 600)


@pytest.mark.parametrize("phone,shown", [
    ("67 3314-1010", "(67) 3314-1010"), ("+556733141010", "(67) 3314-1010"),
    ("0800 722 0000", "0800 722 0000"),
])
def test_operator_phone_is_shown_the_brazilian_way(environment, phone, shown):
    environment(OPERATOR_PHONE=phone)
    assert _start_web_app().extensions["planbot"].settings.operator_phone_display == shown


@pytest.mark.parametrize("phone", ["3314-1010", "ligue já"])
def test_operator_phone_must_be_callable(environment, phone):
    environment(OPERATOR_PHONE=phone)
    with pytest.raises(SettingsError, match="OPERATOR_PHONE .* is not a phone number people can call"):
        _start_web_app()


@pytest.mark.parametrize("state", ["ms", "XX", "Mato Grosso do Sul"])
def test_operator_state_must_be_a_brazilian_state(environment, state):
    environment(OPERATOR_STATE=state)
    with pytest.raises(SettingsError, match="OPERATOR_STATE .* is not a Brazilian state abbreviation"):
        _start_web_app()


def test_operator_state_is_exposed_for_the_holiday_calendar(environment):
    environment(OPERATOR_STATE="SP")
    assert _start_web_app().extensions["planbot"].settings.operator_state == "SP"


def test_wsgi_entry_point_reports_a_bad_rules_file_in_one_line(environment, tmp_path, capsys):
    from bot.app import create_app_or_exit

    missing = tmp_path / "missing.yaml"
    environment(NEGOTIATION_RULES_FILE=str(missing))
    with pytest.raises(SystemExit) as caught:
        create_app_or_exit()
    assert caught.value.code == 4
    assert capsys.readouterr().err == (
        f"planbot not started: NEGOTIATION_RULES_FILE {missing}: cannot read the negotiation "
        "rules (No such file or directory)\n")


def test_complete_twilio_configuration_starts(environment):
    environment(**GOOD)
    app = _start_web_app()
    assert app.extensions["planbot"].settings.twilio_enabled


def test_the_operators_day_follows_tz_name(environment, settings):
    # 03:30 UTC: still the 23rd in Campo Grande (UTC-4), already the 24th in São Paulo.
    clock.freeze(datetime(2026, 11, 24, 3, 30))
    try:
        runtime_module.Runtime(settings)
        assert clock.today() == date(2026, 11, 23)
        runtime_module.Runtime(replace(settings, timezone="America/Sao_Paulo"))
        assert clock.today() == date(2026, 11, 24)
    finally:
        clock.freeze(None)


def test_settings_built_in_code_are_validated_too(settings):
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        runtime_module.Runtime(replace(settings, public_base_url=""))
    assert isinstance(Settings().secret_key, str)


@pytest.mark.parametrize("name,value,problem", [
    ("DATABASE_URL", "postgres://bot:s3cret@db/planbot",
     "DATABASE_URL 'postgres://bot:***@db/planbot' is not a postgresql://… or sqlite:///… URL"),
    ("DATABASE_URL", "planbot.sqlite3", "DATABASE_URL 'planbot.sqlite3' is not a"),
    ("REDIS_URL", "cache:6379", "REDIS_URL 'cache:6379' is not a redis://, rediss:// or unix:// URL"),
    ("PUBLIC_BASE_URL", "bot.example.com.br", "PUBLIC_BASE_URL 'bot.example.com.br' must be an absolute URL"),
    ("OPERATOR_API_URL", "/api", "OPERATOR_API_URL '/api' must be an absolute URL"),
])
def test_urls_are_checked_at_start_up_without_showing_passwords(environment, name, value, problem):
    environment(**{name: value})
    with pytest.raises(SettingsError) as caught:
        _start_web_app()
    assert problem in str(caught.value)
    assert "s3cret" not in str(caught.value)


# -- an empty variable counts as unset ------------------------------------------------------
EVERY_VARIABLE = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "OPERATOR_ANS_CODE", "OPERATOR_NAME",
    "OPERATOR_PHONE", "OPERATOR_STATE", "OPERATOR_API_URL", "OPERATOR_API_TOKEN",
    "PROTOCOL_FORMAT", *INTEGERS, "SEND_RETRY_INTERVALS", "TWILIO_CONTENT_LIST_SID",
    "TWILIO_CONTENT_BUTTONS_SID", "TWILIO_CONTENT_REMINDER_SID",
    "TWILIO_CONTENT_NEGOTIATION_SID", "TZ_NAME",
)


@pytest.mark.parametrize("blank", ["", "  "])
def test_every_variable_set_empty_is_the_default(monkeypatch, blank):
    from bot.platform.config import VAR_DIR

    for name in EVERY_VARIABLE:
        monkeypatch.setenv(name, blank)
    settings = Settings.from_env()  # no SettingsError: nothing is configured wrongly
    assert settings == Settings(database_url=f"sqlite:///{VAR_DIR / 'planbot.sqlite3'}")
    assert settings.redis_url == "" and settings.twilio_auth_token == ""
    assert not settings.twilio_enabled and settings.public_base_url == ""


def test_values_are_read_without_surrounding_blanks(monkeypatch):
    monkeypatch.setenv("OPERATOR_NAME", "  Plano Exemplo\n")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token\n")  # as `$(cat secret)` may leave it
    settings = Settings.from_env()
    assert (settings.operator_name, settings.twilio_auth_token) == ("Plano Exemplo", "token")


def test_an_empty_auth_token_is_no_token_and_the_webhook_refuses(environment):
    environment(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=" ",
                TWILIO_WHATSAPP_FROM=BOT_NUMBER, PUBLIC_BASE_URL="", SECRET_KEY="")
    app = _start_web_app()  # Twilio is not configured: PUBLIC_BASE_URL is not required
    settings = app.extensions["planbot"].settings
    assert not settings.twilio_enabled and settings.secret_key == "dev-insecure-secret"
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": "SM" + "1" * 32, "From": "whatsapp:+5567999990001", "Body": "oi"}
    signature = RequestValidator(" ").compute_signature("http://localhost/webhooks/whatsapp", params)
    response = app.test_client().post("/webhooks/whatsapp", data=params,
                                      headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert b"TWILIO_AUTH_TOKEN" in response.data


def test_an_empty_public_base_url_with_twilio_is_reported_as_missing(environment):
    environment(**TWILIO, SECRET_KEY="a-real-secret", PUBLIC_BASE_URL="")
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL is required with Twilio"):
        _start_web_app()


def test_empty_operator_phone_and_state_are_the_defaults(environment):
    environment(OPERATOR_PHONE="", OPERATOR_STATE="", NEGOTIATION_RULES_FILE="")
    settings = _start_web_app().extensions["planbot"].settings
    assert (settings.operator_phone_display, settings.operator_state) == ("(67) 3314-1010", "MS")


def test_an_empty_var_dir_is_the_checkouts_var(tmp_path):
    import subprocess
    import sys

    from bot.platform.config import ROOT

    env = {**os.environ, "PLANBOT_VAR_DIR": ""}
    out = subprocess.run([sys.executable, "-c", "from bot.platform.config import VAR_DIR; print(VAR_DIR)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(ROOT / "var")
