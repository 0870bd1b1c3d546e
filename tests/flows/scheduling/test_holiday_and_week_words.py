"""'Essa semana' on a Sunday, Natal and Ano Novo as dates, 'pré-natal' and the city of Natal."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.language.dates import parse_date_request
from tests import conftest
from tests.conftest import JOSE


@pytest.fixture
def sunday(monkeypatch):
    """Sunday 06/12/2026, 10:00 in Campo Grande: the demo agendas are loaded from then."""
    monkeypatch.setattr(conftest, "FROZEN_NOW", datetime(2026, 12, 6, 14, 0))


@pytest.mark.parametrize("words", ["essa semana", "esta semana", "nesta semana"])
def test_this_week_said_on_a_sunday_is_the_week_ahead(words):
    # The Brazilian week starts on Sunday: on a Sunday "essa semana" is the days ahead,
    # not that Sunday alone (no agenda opens on Sundays).
    wanted = parse_date_request(words, date(2026, 12, 6))
    assert (wanted.start, wanted.end) == (date(2026, 12, 6), date(2026, 12, 12))
    monday = parse_date_request(words, date(2026, 12, 7))
    assert (monday.start, monday.end) == (date(2026, 12, 7), date(2026, 12, 13))


def test_cardiology_this_week_on_a_sunday_lists_the_week(sunday, wa):
    wa.say(JOSE, "cardio essa semana")
    reply = wa.say(JOSE, "682")[0]
    assert "Não encontrei" not in reply and "06/12/2026" not in reply
    assert "Horários livres de *Cardiologia* em Dourados" in reply
    assert "08/12/2026" in reply


@pytest.mark.parametrize("words, start, end", [
    ("depois do natal", date(2026, 12, 26), None),
    ("dps do natal", date(2026, 12, 26), None),
    ("no natal", date(2026, 12, 25), date(2026, 12, 25)),
    ("véspera de natal", date(2026, 12, 24), date(2026, 12, 24)),
    ("depois do ano novo", date(2027, 1, 2), None),
    ("antes do natal", date(2026, 12, 6), date(2026, 12, 24)),
])
def test_christmas_and_new_year_are_dates(words, start, end):
    wanted = parse_date_request(words, date(2026, 12, 6))
    assert wanted is not None and not wanted.in_past
    assert (wanted.start, wanted.end) == (start, end)


def test_after_christmas_at_the_date_question_searches_from_the_26th(sunday, wa):
    wa.say(JOSE, "dentista")
    wa.say(JOSE, "682")
    assert "Para qual data?" in wa.say(JOSE, "outra data")[0]
    reply = wa.say(JOSE, "depois do natal")[0]
    assert "Não entendi a data" not in reply
    assert "Horários livres de *Odontologia* em Dourados" in reply
    assert "28/12/2026" in reply  # the 26th and 27th are a weekend


@pytest.mark.parametrize("words", ["consulta de pré-natal", "pre natal", "médico em Natal"])
def test_prenatal_and_the_city_of_natal_are_not_christmas(words):
    assert parse_date_request(words, date(2026, 12, 6)) is None

