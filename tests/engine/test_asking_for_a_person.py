""""atendente" mistyped by one letter, alone in the message ("atendende", "atendemte",
"antendente"), asks for a person like the word itself (was "não entendi", counting towards
the handoff the person had just asked for)."""
from __future__ import annotations

import pytest

from bot.language import intents
from tests.conftest import MARIA, UNKNOWN


@pytest.mark.parametrize("typed", ["atendende", "Atendemte!", "antendente", "atendete", "atendentr",
                                   "atemdentes"])
def test_one_letter_off_asks_for_a_person(typed):
    assert intents.command(typed) == "human"


@pytest.mark.parametrize("typed", ["atender", "atendimento", "atendeu", "entende", "atendesse", "atentamente"])
def test_other_words_are_not_the_command(typed):
    assert intents.command(typed) is None


def test_mistyped_at_the_identity_question(wa):
    wa.say(UNKNOWN, "2a via")
    assert "transferir você para um de nossos atendentes" in wa.say(UNKNOWN, "atendende")[0]


def test_mistyped_from_the_menu(wa):
    wa.say(MARIA, "oi")
    assert "transferir você para um de nossos atendentes" in wa.say(MARIA, "atendemte")[-1]


@pytest.mark.parametrize("typed", ["não quero atendente", "Não preciso de atendente, obrigado",
                                   "não quero falar com um atendente, quero a 2a via",
                                   "nao precisa de atendente", "sem atendente por favor"])
def test_refusing_a_person_is_not_asking_for_one(typed):
    assert intents.command(typed) is None


@pytest.mark.parametrize("typed", ["não consegui, quero um atendente", "não entendi, atendente",
                                   "nao quero o robo, quero atendente", "não, atendente"])
def test_a_no_elsewhere_still_asks_for_a_person(typed):
    assert intents.command(typed) == "human"


def test_refusing_a_person_then_asking_for_the_bill(wa):
    replies = wa.say(MARIA, "não quero falar com atendente, quero a 2a via")
    assert "2ª via de boleto" in replies[0] and "transferir" not in replies[0]
