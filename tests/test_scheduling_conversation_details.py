"""Scheduling and "minhas consultas" as a beneficiary meets them: own-time clashes, named days, past slots, slot numbers in words, wording."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.language.dates import parse_date_request
from storage.db import transaction
from storage.models import Slot
from storage.models.registry import Provider

from . import conftest
from .conftest import JOSE, MARIA
from .scheduling_support import appointments, conversation_state


def _times(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) – ", reply, re.M)


def _free_at(rt, starts_at, provider_ref: str) -> bool:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Slot).join(Provider, Provider.id == Slot.provider_id)
                         .where(Slot.starts_at == starts_at, Slot.status == "free",
                                Provider.ref == provider_ref)).first() is not None


def test_a_patient_is_never_offered_a_slot_at_the_time_of_their_own_appointment(wa, rt):
    wa.say(MARIA, "marcar cardiologia amanhã")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    wa.say(MARIA, "1")
    assert "Consulta agendada!" in wa.say(MARIA, "sim")[0]
    [cardio] = appointments(rt)
    booked_at = f"{cardio.starts_at:%H:%M}"
    assert _free_at(rt, cardio.starts_at, "P003")  # the gynaecologist is free then too

    wa.say(MARIA, "marcar ginecologista amanhã")
    own = wa.say(MARIA, "eu")[0]
    assert "Horários livres de *Ginecologia" in own and _times(own)
    assert booked_at not in _times(own)  # Maria cannot be in two clinics at once

    # Her son may be seen at that time: another patient.
    wa.say(MARIA, "sair")
    wa.say(MARIA, "marcar pediatra amanhã")
    assert booked_at in _times(wa.say(MARIA, "joão")[0])


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


def _at_local(day: date, hh: int, mm: int) -> None:
    from bot.platform import clock
    clock.freeze(clock.from_local(datetime(day.year, day.month, day.day, hh, mm)))


def test_a_slot_that_began_while_the_list_was_open_is_not_booked(wa, rt):
    from .scheduling_support import later

    _at_local(date(2026, 11, 25), 7, 45)
    wa.say(MARIA, "marcar cardiologia hoje")
    wa.say(MARIA, "116")
    results = wa.say(MARIA, "eu")[0]
    assert _times(results)[0] == "08:00"
    later(minutes=20)  # 08:05: the 08:00 slot has begun
    reply = wa.say(MARIA, "1")[0]
    assert "Confira os dados" not in reply and "já passou" in reply
    assert "08:00" not in _times(reply) and _times(reply)
    assert not appointments(rt)


def test_a_slot_that_began_before_the_yes_is_not_booked(wa, rt):
    from .scheduling_support import later

    _at_local(date(2026, 11, 25), 7, 45)
    wa.say(MARIA, "marcar cardiologia hoje")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    assert "*Quarta-feira, 25/11/2026 às 08:00*" in wa.say(MARIA, "1")[0]
    later(minutes=20)
    reply = wa.say(MARIA, "sim")[0]
    assert "Consulta agendada" not in reply and "já passou" in reply
    assert not appointments(rt)
    assert "08:00" not in _times(wa.twilio.bodies_to(MARIA)[-1])


@pytest.mark.parametrize("answer", ["quero o 3", "opção 3", "o 3", "número 3", "3º", "pode ser o 3",
                                    "o terceiro", "fico com o 3", "três", "a terceira opção",
                                    "prefiro o 3"])
def test_a_slot_number_said_with_words_picks_it(wa, answer):
    wa.say(MARIA, "marcar clínico geral")
    wa.say(MARIA, "116")
    results = wa.say(MARIA, "eu")[0]
    third = _times(results)[2]
    reply = wa.say(MARIA, answer)[0]
    assert "Confira os dados da consulta" in reply and f"às {third}*" in reply


@pytest.mark.parametrize("answer", ["outro horário", "outros horários", "outras opções"])
def test_other_times_at_the_list_pages_on(wa, answer):
    wa.say(MARIA, "marcar clínico geral")
    wa.say(MARIA, "116")
    first = _times(wa.say(MARIA, "eu")[0])
    reply = wa.say(MARIA, answer)[0]
    assert "Horários livres" in reply and _times(reply) and _times(reply) != first


def test_rescheduling_says_the_current_time_stays_reserved(wa):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    wa.say(JOSE, "1")
    wa.say(JOSE, "sim")
    wa.say(JOSE, "minhas consultas")
    reply = wa.say(JOSE, "remarcar")[0]
    # "Ela só será liberada…" read as if the appointment itself were being given away.
    assert "O horário atual continua reservado até você confirmar o novo." in reply


def test_wrong_data_for_a_dependent_names_whose_data(wa):
    wa.say(MARIA, "marcar dermatologista")
    wa.say(MARIA, "116")
    wa.say(MARIA, "ana")
    wa.say(MARIA, "1")
    reply = wa.say(MARIA, "dados incorretos")[0]
    assert "Para corrigir os dados cadastrais de Ana" in reply and "seus dados" not in reply


def test_wrong_data_for_oneself_says_your_data(wa):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    wa.say(JOSE, "1")
    assert "Para corrigir seus dados cadastrais" in wa.say(JOSE, "dados incorretos")[0]


def test_wrong_data_noticed_at_the_slot_list_goes_to_a_human_without_booking(wa, rt):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    listing = wa.say(JOSE, "meu telefone está errado")  # before choosing a slot
    assert "Para corrigir seus dados cadastrais" in listing[0]
    assert "o horário ainda não foi reservado" in listing[0]
    assert appointments(rt) == []
    assert conversation_state(rt, JOSE)[3] == "waiting"
