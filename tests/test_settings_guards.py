"""A configuration that cannot work stops web and worker at start-up, saying why."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot import clock, runtime as runtime_module
from bot.config import Settings, SettingsError

from .conftest import ACCOUNT_SID, BOT_NUMBER, PUBLIC_URL

TWILIO = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "token",
          "TWILIO_WHATSAPP_FROM": BOT_NUMBER}
GOOD = {**TWILIO, "PUBLIC_BASE_URL": PUBLIC_URL, "SECRET_KEY": "a-real-secret"}
OURS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "PUBLIC_BASE_URL",
        "SECRET_KEY", "PROTOCOL_FORMAT", "TZ_NAME", "OUTBOUND_MAX_AGE_HOURS")


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


def test_worker_refuses_to_start_with_a_clear_message(environment):
    from bot import worker_main

    environment(**TWILIO, SECRET_KEY="a-real-secret")
    with pytest.raises(SystemExit) as caught:
        worker_main.main()
    assert "planbot worker not started" in str(caught.value.code)
    assert "PUBLIC_BASE_URL is required" in str(caught.value.code)


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
