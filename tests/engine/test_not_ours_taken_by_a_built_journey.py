"""A "not ours yet" entry whose journey gets built (in parallel, by another branch) starts
that journey instead of saying "ainda não consigo" (config/language/not_ours.yaml)."""
from __future__ import annotations

from sqlalchemy import select

from bot.engine import Flow, Journeys, Turn
from storage.db import transaction
from storage.models import Conversation

from ..conftest import MARIA


def test_the_words_of_a_not_ours_entry_start_its_journey_once_built(wa, rt):
    cancelling = Flow("cancelamento", journey=None, needs_identity=False)

    @cancelling.on_entry
    def start(turn: Turn) -> None:
        turn.say("closing", kind="ack")
        turn.goto("started")

    rt.journeys = Journeys(tuple(rt.journeys) + (cancelling,))
    reply = wa.say(MARIA, "quero cancelar meu plano")[0]
    assert "Ainda não consigo" not in reply
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        assert (c.flow, c.state) == ("cancelamento", "started")
