"""Negotiation identity: the recorded-call notice and the script's alternatives to the CPF digits."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import MARIA

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


# -- 7: the recorded notice ---------------------------------------------------------------------
def test_recorded_notice_once_when_identity_was_confirmed_in_the_second_copy(wa):
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, "116")[0]
    overdue = [line for line in listing.splitlines() if "(vencido)" in line][0].split(".")[0]
    wa.say(MARIA, overdue)
    replies = wa.say(MARIA, "sim")
    assert sum(r.count("conversa fica registrada") for r in replies) == 1


def test_recorded_notice_is_not_repeated_after_the_identity_question(wa):
    first = wa.say(ROBERTO, "negociar")[0]
    assert "conversa fica registrada" in first
    assert not any("registrada" in r for r in wa.say(ROBERTO, "530"))


# -- 8: identity alternatives ----------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["da Silva", "Aparecida da Silva", "Maria Aparecida da Silva", "26"])
def test_surname_full_name_and_last_digits_confirm_identity(wa, rt, answer):
    prompt = wa.say(MARIA, "negociar")[0]
    assert "sobrenome" in prompt and "2 últimos dígitos" in prompt
    assert "títulos em aberto" in wa.say(MARIA, answer)[0]
    assert _conversation(rt, MARIA).identity_failures == 0


def test_a_wrong_surname_counts_as_a_failed_attempt(wa, rt):
    wa.say(MARIA, "negociar")
    assert "ainda tem 2 tentativas" in wa.say(MARIA, "Souza")[0]

