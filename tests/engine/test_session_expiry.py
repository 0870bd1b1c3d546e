"""An answer to a question of an expired session gets the note and the menu; it is never
applied to the fresh state (a "2" from a bill list must not start scheduling)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA

NOTE = "Sua conversa anterior foi encerrada por inatividade. Vamos começar de novo."


def _state(rt):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        return c.flow, c.state, c.identity_verified_at


def _statuses(rt):
    with transaction(rt.sessions) as s:
        return [(p.journey, p.status) for p in s.scalars(select(Protocol).order_by(Protocol.id))]


@pytest.mark.parametrize("answer, payload", [
    ("2", None), ("1", None), ("sim", None), ("não", None), ("ok", None), ("116", None),
    ("Boleto de outubro", "T1001"),  # a list item of the old session
])
def test_a_stale_answer_gets_the_note_and_the_menu(wa, rt, answer, payload):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")  # choosing a bill now
    clock.freeze(clock.now() + timedelta(minutes=40))
    [reply] = wa.say(MARIA, answer, extra={"ButtonPayload": payload} if payload else None)
    assert reply.startswith(NOTE + "\n\n")
    assert "Como posso ajudar? Responda com o número" in reply
    assert "Linha digitável" not in reply and "Protocolo de atendimento" not in reply
    assert _state(rt) == (None, None, None)
    assert _statuses(rt) == [("segunda_via", "expirado")]  # no journey started by accident
    # The menu just shown answers the next number as usual.
    assert "Protocolo de atendimento (agendamento" in wa.say(MARIA, "2")[0]


def test_a_clear_request_after_expiry_starts_its_journey(wa, rt):
    wa.say(MARIA, "2a via")
    clock.freeze(clock.now() + timedelta(minutes=40))
    [reply] = wa.say(MARIA, "quero marcar uma consulta")
    assert reply.startswith(NOTE) and "Protocolo de atendimento (agendamento" in reply
    assert "3 primeiros dígitos" in reply  # identity asked again


def test_thanks_after_expiry_is_answered_as_thanks(wa):
    wa.say(MARIA, "2a via")
    clock.freeze(clock.now() + timedelta(minutes=40))
    [reply] = wa.say(MARIA, "obrigada")
    assert reply.startswith(NOTE) and "Por nada!" in reply


def test_a_menu_number_without_an_expired_session_still_picks_the_option(wa):
    wa.say(MARIA, "oi")  # the menu, no journey, no identity: nothing to expire
    clock.freeze(clock.now() + timedelta(minutes=40))
    [reply] = wa.say(MARIA, "1")
    assert NOTE not in reply and "Protocolo de atendimento (2ª via" in reply
