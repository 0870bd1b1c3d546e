"""The team's hours: per weekday, closed on national and state holidays."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.platform.business_hours import (
    BusinessHoursError,
    is_open,
    next_opening,
    parse_business_hours,
)
from bot.platform.config import Settings, SettingsError

SPEC = "seg-sex 08:00-12:00,13:00-18:00; sab 08:00-12:00"


def test_open_within_a_period_and_closed_at_lunch_and_on_sunday():
    assert is_open(datetime(2026, 11, 24, 9, 0), SPEC, "MS")  # Tuesday
    assert not is_open(datetime(2026, 11, 24, 12, 30), SPEC, "MS")
    assert is_open(datetime(2026, 11, 28, 11, 59), SPEC, "MS")  # Saturday morning
    assert not is_open(datetime(2026, 11, 29, 10, 0), SPEC, "MS")  # Sunday


def test_the_next_opening_skips_national_and_state_holidays():
    # Friday 20/11/2026 evening → Saturday 08:00
    assert next_opening(datetime(2026, 11, 20, 19, 0), SPEC, "MS") == datetime(2026, 11, 21, 8, 0)
    # Thursday 24/12 evening: 25/12 is Christmas → Saturday 26/12 08:00
    assert next_opening(datetime(2026, 12, 24, 18, 30), SPEC, "MS") == datetime(2026, 12, 26, 8, 0)
    # 11/10 is Mato Grosso do Sul's day (state holiday); in 2027 it is a Monday
    assert not is_open(datetime(2027, 10, 11, 9, 0), SPEC, "MS")
    assert is_open(datetime(2027, 10, 11, 9, 0), SPEC, "SP")


@pytest.mark.parametrize("spec", ["", "todo dia 08:00-18:00", "seg-sex 18:00-08:00", "seg 8h-18h",
                                  "seg-sex 08:00-25:00"])
def test_malformed_hours_are_refused_with_a_reason(spec):
    with pytest.raises(BusinessHoursError):
        parse_business_hours(spec)


def test_settings_refuse_malformed_hours_and_sla_thresholds():
    with pytest.raises(SettingsError, match="BUSINESS_HOURS"):
        Settings(business_hours="seg-sex 8-18").validate()
    with pytest.raises(SettingsError, match="CONSOLE_SLA_MINUTES"):
        Settings(console_sla_minutes=(15, 5)).validate()
