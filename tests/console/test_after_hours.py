"""Outside the team's hours a person asking for a human is told when the team answers,
is queued all the same, and the queue says the team is out."""
from __future__ import annotations

from datetime import datetime

from bot.platform import clock

from ..conftest import MARIA
from .support import make_user, sign_in

SATURDAY_NIGHT = datetime(2026, 11, 29, 1, 0)  # Saturday 28/11 21:00 in Campo Grande


def test_a_request_for_a_person_after_hours_says_when_the_team_answers(wa, rt, app):
    clock.freeze(SATURDAY_NIGHT)
    reply = wa.say(MARIA, "quero falar com um atendente")[0]
    assert "transferir você para um de nossos atendentes" in reply
    assert "fora do horário" in reply and "segunda-feira, 30/11/2026, às 08:00" in reply
    make_user(rt, "ana@op.com.br", "Ana")
    client = app.test_client()
    sign_in(client, "ana@op.com.br")
    rows = client.get("/console/queue/rows").get_data(as_text=True)
    assert "Fora do horário" in rows and "30/11 às 08:00" in rows and "data-conversation" in rows


def test_within_hours_nothing_is_added(wa):
    reply = wa.say(MARIA, "quero falar com um atendente")[0]  # Tuesday 09:00
    assert "fora do horário" not in reply
