"""Anger (issue 11): an apology and the offer of a person, never "Combinado! 😊"."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation

from ..conftest import MARIA


def _conversation(rt) -> Conversation:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        s.expunge(c)
        return c


def test_angry_emoji_gets_an_apology_and_a_person_offered(wa, rt):
    reply = wa.say(MARIA, "😡😡😡")[0]
    assert "Combinado" not in reply
    assert "desculpas" in reply and "atendente" in reply
    wa.say(MARIA, "sim")
    assert _conversation(rt).handoff == "waiting"


def test_an_all_caps_complaint_is_anger_not_a_misunderstanding(wa, rt):
    reply = wa.say(MARIA, "ABSURDO!!!! NINGUEM ME RESPONDE")[0]
    assert "desculpas" in reply and "não entendi" not in reply.lower()
    assert _conversation(rt).misunderstandings == 0


def test_anger_in_the_middle_of_a_journey_keeps_its_question(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    reply = wa.say(MARIA, "que palhaçada 😡")[0]
    assert "desculpas" in reply and "*atendente*" in reply and "Combinado" not in reply
    c = _conversation(rt)
    assert (c.flow, c.state, c.misunderstandings) == ("segunda_via", "choose", 0)
