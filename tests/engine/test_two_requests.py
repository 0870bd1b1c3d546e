"""Two requests in one message (issue 11): the first is served, the person is told what
comes next, and the second is offered when the first ends — never silently dropped."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, Protocol

from ..conftest import MARIA


def _journeys(rt) -> list[str]:
    with transaction(rt.sessions) as s:
        return [p.journey for p in s.scalars(select(Protocol).order_by(Protocol.id))]


def _data(rt) -> dict:
    with transaction(rt.sessions) as s:
        return dict(s.scalars(select(Conversation).where(Conversation.address == MARIA)).one().data)


def test_bill_and_pediatrician_start_the_bill_and_keep_the_pediatrician(wa, rt):
    reply = wa.say(MARIA, "boleto de dezembro e tb marcar pediatra pro joao pedro")[0]
    assert reply.index("Protocolo") < reply.index("Vou começar por: 2ª via de boleto")
    assert "Depois vemos: Agendar consulta" in reply
    assert _journeys(rt) == ["segunda_via"]
    pending = _data(rt)["next_request"]
    assert pending["flow"] == "agendamento" and pending["text"] == "marcar pediatra pro joao pedro"
    assert _data(rt)["entry_text"] == "boleto de dezembro"


def test_the_second_request_is_offered_when_the_first_ends_and_started_on_yes(wa, rt):
    wa.say(MARIA, "meus protocolos e tambem marcar pediatra pro joao pedro")
    after = wa.say(MARIA, "116")[0]  # identity: the list, then the journey is over
    assert "Você também pediu *Agendar consulta*" in after
    started = wa.say(MARIA, "bora")[0]
    assert "Protocolo" in started
    assert _journeys(rt) == ["agendamento"]
    assert "next_request" not in _data(rt)


def test_declining_the_second_request_forgets_it(wa, rt):
    wa.say(MARIA, "meus protocolos e tambem marcar pediatra")
    wa.say(MARIA, "116")
    assert "Tudo bem" in wa.say(MARIA, "nao quero")[0]
    assert _journeys(rt) == [] and "next_request" not in _data(rt)


def test_menu_in_the_first_journey_drops_the_second(wa, rt):
    wa.say(MARIA, "boleto e tb marcar pediatra")
    wa.say(MARIA, "menu")
    assert "next_request" not in _data(rt)
