"""The cancel question: words that cancel, words that keep the appointment."""
from __future__ import annotations

import pytest

from tests.conftest import MARIA
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    slot_status,
)


# -- item 1: "cancelar" / "sim" at "Confirma o cancelamento?" confirm it ---------------------
@pytest.mark.parametrize("answer", ["cancelar", "Cancela", "desmarcar", "pode cancelar"])
def test_cancel_words_at_the_cancel_question_cancel_the_appointment(wa, rt, answer):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancelar 1")[0]
    reply = wa.say(MARIA, answer)
    assert len(reply) == 1 and "cancelada. O horário foi liberado" in reply[0], reply
    [appointment] = appointments(rt)
    assert appointment.status == "cancelled" and slot_status(rt, appointment.slot_ref) == "free"
    assert conversation_state(rt)[:2] == (None, None)


@pytest.mark.parametrize("answer", ["sair", "tchau"])
def test_leaving_words_at_the_cancel_question_keep_the_appointment(wa, rt, answer):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    wa.say(MARIA, answer)
    assert appointments(rt)[0].status == "booked"
    assert conversation_state(rt)[:2] == (None, None)


def test_cancela_with_a_number_in_the_list_asks_to_confirm(wa, rt):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancela 1")[0]

