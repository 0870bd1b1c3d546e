"""Clock times, periods and distances ('daqui a 2 semanas') as people write them."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from bot.flows.scheduling.cities import named_place
from bot.language.dates import parse_date_request, parse_day_period
from tests.conftest import MARIA
from tests.scheduling_support import (
    conversation_state,
)


# -- item 6: distances, clock times, weekdays -----------------------------------------------------
def _results_for(wa, text: str) -> str:
    wa.say(MARIA, text)
    wa.say(MARIA, "116")
    return wa.say(MARIA, "eu")[0]


def _days_shown(reply: str) -> list[date]:
    return [datetime.strptime(d, "%d/%m/%Y").date()
            for d in re.findall(r"^\*[^,*]+, (\d\d/\d\d/\d{4})\*$", reply, re.M)]


def _times_shown(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) –", reply, re.M)


# Today is Tuesday 24/11/2026.
@pytest.mark.parametrize("words, first, last", [
    ("daqui a 2 semanas", date(2026, 12, 8), None),
    ("daqui a uma semana", date(2026, 12, 1), None),
    ("em 15 dias", date(2026, 12, 9), date(2026, 12, 9)),
    ("dentro de 2 semanas", date(2026, 11, 25), date(2026, 12, 8)),
    ("próxima segunda", date(2026, 11, 30), date(2026, 11, 30)),
    ("na segunda que vem", date(2026, 11, 30), date(2026, 11, 30)),
])
def test_distances_and_weekdays_as_people_write_them(wa, rt, words, first, last):
    reply = _results_for(wa, f"marcar cardiologia {words}")
    days = _days_shown(reply)
    assert days and days[0] == first, reply
    assert all(first <= d <= (last or date.max) for d in days), reply
    assert conversation_state(rt)[3] is None  # a wish, not an ANS case


def test_after_four_pm_shows_only_those_slots(wa, rt):
    reply = _results_for(wa, "marcar cardiologia depois das 16h")
    assert "Horários livres de *Cardiologia* em Campo Grande a partir das 16h:" in reply
    times = _times_shown(reply)
    assert times and all(t >= "16:00" for t in times), reply
    assert conversation_state(rt)[2]["period"] == "16:00-24:00"


def test_friday_after_four_pm_is_that_friday_not_from_saturday_on(wa):
    reply = _results_for(wa, "marcar cardio sexta depois das 16h")
    assert _days_shown(reply) == [date(2026, 11, 27)], reply
    assert all(t >= "16:00" for t in _times_shown(reply))


def test_before_ten_and_the_afternoon_in_other_words(wa):
    times = _times_shown(_results_for(wa, "marcar cardiologia antes das 10h"))
    assert times and all(t < "10:00" for t in times)
    times = _times_shown(wa.say(MARIA, "entre 2 e 4 da tarde")[0])  # at the list: searches again
    assert times and all("14:00" <= t < "16:00" for t in times), times


def test_a_clock_time_without_slots_says_so_and_shows_the_others(wa, rt):
    reply = _results_for(wa, "marcar dermatologia depois das 16h")  # mornings only
    assert "Não encontrei horários a partir das 16h em Campo Grande" in reply
    assert _times_shown(reply) and "period" not in conversation_state(rt)[2]


@pytest.mark.parametrize("text, period", [
    ("depois das 16h", "16:00-24:00"), ("após as 14:30", "14:30-24:00"),
    ("a partir das 15 horas", "15:00-24:00"), ("antes das 10h", "00:00-10:00"),
    ("até as 9h", "00:00-09:00"), ("entre 14h e 16h", "14:00-16:00"),
    ("às 15h", "15:00-16:00"), ("depois das 4 da tarde", "16:00-24:00"),
    ("de manhã", "manha"), ("à tarde", "tarde"), ("dia 16", None), ("16/12", None),
    ("daqui a 2 semanas", None),
])
def test_parse_day_period_with_clock_times(text, period):
    assert parse_day_period(text) == period


@pytest.mark.parametrize("text, start, end", [
    ("daqui a 2 semanas", date(2026, 12, 8), None), ("daqui 15 dias", date(2026, 12, 9), date(2026, 12, 9)),
    ("em duas semanas", date(2026, 12, 8), None), ("daqui a um mês", date(2026, 12, 24), None),
    ("dentro de 2 semanas", date(2026, 11, 24), date(2026, 12, 8)),
    ("depois das 16h", None, None), ("sexta depois das 16h", date(2026, 11, 27), date(2026, 11, 27)),
    ("até as 10h", None, None), ("próxima segunda", date(2026, 11, 30), date(2026, 11, 30)),
])
def test_parse_distances_and_clock_times_are_not_dates(text, start, end):
    wanted = parse_date_request(text, date(2026, 11, 24))
    if start is None:
        assert wanted is None
    else:
        assert (wanted.start, wanted.end) == (start, end)


def test_a_distance_in_weeks_names_no_city():
    assert named_place("marcar cardio em duas semanas") is None
    assert named_place("em Três Lagoas daqui a 15 dias") == "tres lagoas"

