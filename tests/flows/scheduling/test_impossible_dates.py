"""A date that does not exist ("30/02", "31/11", "dia 32") is named as impossible wherever
it is typed (issue 11): in the first message (never silently replaced by the soonest
slots), when asked for a date, and at the slot list (never the generic "responda com um
número"). Through the signed webhook; today is 24/11/2026."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import MARIA

IMPOSSIBLE = "não existe no calendário"


def _state(rt):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        return c.flow, c.state, dict(c.data)


def test_in_the_first_message_it_is_named_and_the_date_asked_again(wa, rt):
    wa.say(MARIA, "quero marcar cardiologia dia 30/02")
    replies = "\n".join(wa.say(MARIA, "116"))
    assert replies.startswith(f"30/02 {IMPOSSIBLE}")
    assert "Para quem é a consulta?" in replies
    asked = wa.say(MARIA, "1")[0]
    assert "Horários livres" not in asked and "data" in asked  # no "soonest" list instead
    listing = wa.say(MARIA, "dia 1/12")[0]
    assert "Horários livres de *Cardiologia*" in listing and "01/12/2026" in listing


@pytest.mark.parametrize("typed, named", [("31/11", "31/11"), ("dia 30/02", "30/02"),
                                          ("dia 32", "dia 32"),
                                          ("31 de novembro", "31 de novembro")])
def test_at_the_slot_list_it_is_named_and_the_list_stands(wa, rt, typed, named):
    wa.say(MARIA, "marcar cardiologia semana que vem")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    before = _state(rt)
    [reply] = wa.say(MARIA, typed)
    assert reply.startswith(f"{named} {IMPOSSIBLE}")
    assert "Responda com um número" not in reply
    assert _state(rt) == before
    assert "Confira os dados da consulta" in wa.say(MARIA, "1")[0]  # the list still counts


def test_when_asked_for_a_date_it_is_named(wa, rt):
    wa.say(MARIA, "marcar cardiologia dia 10/01/2020")  # past: the date is asked again
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    assert wa.say(MARIA, "29/02")[0].startswith(f"29/02 {IMPOSSIBLE}")  # 2027 is not leap
    assert "Horários livres" in wa.say(MARIA, "sexta")[0]
