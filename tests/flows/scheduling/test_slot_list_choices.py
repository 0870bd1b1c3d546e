"""Choosing from the slot list as people write (issue 11): a time named chooses that slot,
"esse" takes the only one shown, a list of one never says "de 1 a 1", "*mais*" is offered
only when there is more. Through the signed webhook, with the demo data (today is Tuesday
24/11/2026)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import JOSE, MARIA


def _state(rt, phone=MARIA):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        return c.flow, c.state, dict(c.data)


def _cardiology_list(wa, when="semana que vem") -> str:
    wa.say(MARIA, f"marcar cardiologia {when}")
    wa.say(MARIA, "116")
    return wa.say(MARIA, "1")[0]  # for Maria herself


@pytest.mark.parametrize("answer, chosen", [
    ("as 15h", "30/11/2026 às 15:00"),
    ("às 15:00", "30/11/2026 às 15:00"),
    ("o das 15", "30/11/2026 às 15:00"),
    ("quero o das 9", "30/11/2026 às 09:00"),
    ("pode ser as 10 e meia", "30/11/2026 às 10:30"),
    ("11:30", "30/11/2026 às 11:30"),
])
def test_a_time_named_at_the_list_chooses_that_slot(wa, rt, answer, chosen):
    listing = _cardiology_list(wa)
    assert "7. 15:00 – Dra. Lúcia Okamoto" in listing and "2. 09:00 –" in listing
    reply = wa.say(MARIA, answer)[0]
    assert "Confira os dados da consulta" in reply and chosen in reply
    assert _state(rt)[1] == "confirm"


def test_half_past_said_in_words_chooses_that_slot(wa):
    listing = _cardiology_list(wa, "dia 1/12")
    assert "3. 09:30 –" in listing
    reply = wa.say(MARIA, "9 e meia")[0]
    assert "Confira os dados da consulta" in reply and "01/12/2026 às 09:30" in reply


def test_a_time_shown_twice_asks_which_and_a_day_with_it_decides(wa, rt):
    wa.say(JOSE, "marcar ortopedista")
    listing = wa.say(JOSE, "682")[0]
    assert "1. 14:30 –" in listing and "6. 14:30 –" in listing
    before = _state(rt, JOSE)
    assert wa.say(JOSE, "as 14:30") == [
        "Há 2 horários às 14h30 na lista: *1* e *6*. Responda com o número do que prefere."]
    assert _state(rt, JOSE) == before
    reply = wa.say(JOSE, "dia 1/12 as 14:30")[0]
    assert "Confira os dados da consulta" in reply and "01/12/2026 às 14:30" in reply


def test_a_time_free_nowhere_is_said_and_the_list_stands(wa, rt):
    _cardiology_list(wa)
    before = _state(rt)
    [reply] = wa.say(MARIA, "as 7h")
    assert reply.startswith("Não há horário livre às 7h")
    assert "de 1 a 8" in reply and "*mais*" in reply  # this list has more pages
    assert _state(rt) == before


def test_a_list_of_one_takes_esse_and_never_says_1_a_1(wa, rt):
    listing = _cardiology_list(wa, "dia 30/11 as 11h30")
    assert "1. 11:30 – Dr. Ricardo Tavares" in listing and "2. " not in listing
    assert "Responda *1* (ou *esse*) para escolher esse horário ou *outra data*." in listing
    assert "*mais*" not in listing  # nothing more to see
    help_text = wa.say(MARIA, "hmm")[0]
    assert "1 a 1" not in help_text and "*mais*" not in help_text
    assert "Responda *1* (ou *esse*)" in help_text
    assert wa.say(MARIA, "mais")[0].startswith("Não há mais horários nesse período. Responda *1*")
    reply = wa.say(MARIA, "esse")[0]
    assert "Confira os dados da consulta" in reply and "30/11/2026 às 11:30" in reply


@pytest.mark.parametrize("answer", ["pode ser esse", "esse mesmo", "quero esse"])
def test_pointing_at_the_only_slot_shown_chooses_it(wa, answer):
    _cardiology_list(wa, "dia 30/11 as 11h30")
    assert "Confira os dados da consulta" in wa.say(MARIA, answer)[0]


def test_esse_with_several_slots_shown_asks_for_the_number(wa, rt):
    _cardiology_list(wa)
    before = _state(rt)
    assert wa.say(MARIA, "esse") == [
        "Responda com um número de 1 a 8, *mais* para ver outros horários ou *outra data*."]
    assert _state(rt) == before


def test_mais_is_not_offered_on_the_last_page(wa):
    wa.say(MARIA, "marcar cardiologia dia 30/11 de tarde")
    wa.say(MARIA, "116")
    listing = wa.say(MARIA, "1")[0]
    assert "Horários livres" in listing and "*mais*" not in listing
    assert "*mais*" not in wa.say(MARIA, "42")[0]
