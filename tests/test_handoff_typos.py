""""atendente" mistyped by one letter, alone in the message ("atendende", "atendemte",
"antendente"), asks for a person like the word itself (was "não entendi", counting towards
the handoff the person had just asked for)."""
from __future__ import annotations

import pytest

from bot import intents

from .conftest import MARIA, UNKNOWN


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
