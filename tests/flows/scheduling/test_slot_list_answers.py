"""Answers at the slot list: numbers in words, 'outros horários'."""
from __future__ import annotations

import re

import pytest

from tests.conftest import MARIA


def _times(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) – ", reply, re.M)


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

