"""bot.language.dates: a day that does not exist is reported `impossible` with the words
written (decision 0211); spoken times and a bare hour after "às"/"das" are clock times;
`parse_clock_time` names the one time a text gives (decision 0212)."""
from __future__ import annotations

from datetime import date

import pytest

from bot.language.dates import parse_clock_time, parse_date_request, parse_day_period

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize("text, written", [
    ("31/02", "31/02"), ("dia 30/02", "30/02"), ("dia 31/11", "31/11"), ("31/04", "31/04"),
    ("29/02", "29/02"), ("dia 32", "dia 32"), ("30 de fevereiro", "30 de fevereiro"),
])
def test_a_day_that_does_not_exist_is_flagged_impossible(text, written):
    wanted = parse_date_request(text, TODAY)
    assert wanted.impossible and wanted.written == written
    # to a reader that ignores the flag it is "o quanto antes", never a real day
    assert wanted.from_on and wanted.start == TODAY and wanted.end is None


@pytest.mark.parametrize("text", ["10.30", "15/13", "as 10.30", "29/02/2028", "dia 31"])
def test_not_impossible(text):
    wanted = parse_date_request(text, TODAY)
    assert wanted is None or not wanted.impossible


def test_29_02_is_read_when_the_february_ahead_has_it():
    assert parse_date_request("29/02", date(2027, 3, 1)).start == date(2028, 2, 29)


def test_a_real_day_beside_an_impossible_one_wins():
    assert parse_date_request("30/02 ou 02/03", TODAY).start == date(2027, 3, 2)


@pytest.mark.parametrize("text, day", [("dia dez", date(2026, 12, 10)),
                                       ("no dia primeiro", date(2026, 12, 1)),
                                       ("dia vinte e cinco de dezembro", date(2026, 12, 25))])
def test_dictated_days(text, day):
    assert parse_date_request(text, TODAY).start == day


@pytest.mark.parametrize("text, period", [
    ("9 e meia", "09:30-10:30"), ("oito e meia", "08:30-09:30"), ("meio dia", "12:00-13:00"),
    ("meio-dia e meia", "12:30-13:30"), ("às 8", "08:00-09:00"), ("o das 15", "15:00-16:00"),
    ("a partir das 14", "14:00-24:00"), ("antes das 10", "00:00-10:00"),
    ("duas da tarde", "14:00-15:00"), ("as 2 consultas", None), ("uma consulta", None),
    ("a partir do dia 10", None),
])
def test_spoken_times(text, period):
    assert parse_day_period(text) == period


@pytest.mark.parametrize("text, minutes", [
    ("as 15h", 900), ("9:30", 570), ("quero o das 9 e meia", 570), ("dia 10 às 15h", 900),
    ("depois das 16h", None), ("entre 14h e 16h", None), ("de manhã", None), ("3", None),
    ("15h ou 16h", None), ("10/12", None),
])
def test_the_one_clock_time_named(text, minutes):
    assert parse_clock_time(text) == minutes


def test_a_time_is_never_read_as_a_date():
    assert parse_date_request("a partir das 14", TODAY) is None
    assert parse_date_request("o das 15", TODAY) is None
