"""Rescheduling says the current time stays reserved."""
from __future__ import annotations

from tests.conftest import JOSE


def test_rescheduling_says_the_current_time_stays_reserved(wa):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    wa.say(JOSE, "1")
    wa.say(JOSE, "sim")
    wa.say(JOSE, "minhas consultas")
    reply = wa.say(JOSE, "remarcar")[0]
    # "Ela só será liberada…" read as if the appointment itself were being given away.
    assert "O horário atual continua reservado até você confirmar o novo." in reply

