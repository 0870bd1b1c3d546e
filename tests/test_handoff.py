"""Human handoff: escalation silences the bot; attendants reply through the outbox; release."""
from __future__ import annotations

from sqlalchemy import select

from bot import handoff
from storage.db import transaction
from storage.models import Conversation

from .conftest import MARIA, drain


def _token(rt, name="Ana") -> str:
    with transaction(rt.sessions) as s:
        return handoff.create_attendant(s, name)


def test_api_requires_a_valid_token(client, rt):
    assert client.get("/api/attendant/conversations").status_code == 401
    bad = client.get("/api/attendant/conversations", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_handoff_silences_the_bot_and_release_brings_it_back(wa, rt, client, twilio):
    escalated = wa.say(MARIA, "quero falar com um atendente")[0]
    assert "transferir você para um de nossos atendentes" in escalated
    assert wa.say(MARIA, "oi, alguém aí?") == []  # bot silent while waiting

    token = _token(rt)
    auth = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/attendant/conversations", headers=auth).get_json()
    [waiting] = listing["conversations"]
    assert waiting["handoff"] == "waiting" and waiting["address"] == MARIA
    assert [t["text"] for t in waiting["transcript"] if t["from"] == "person"] == [
        "quero falar com um atendente", "oi, alguém aí?"]

    cid = waiting["id"]
    assert client.post(f"/api/attendant/conversations/{cid}/take", headers=auth).status_code == 200
    other = {"Authorization": f"Bearer {_token(rt, 'Bruno')}"}
    assert client.post(f"/api/attendant/conversations/{cid}/take", headers=other).status_code == 409

    response = client.post(f"/api/attendant/conversations/{cid}/reply", headers=auth,
                           json={"text": "Olá, Maria! Sou a Ana. Como posso ajudar?"})
    assert response.status_code == 200
    drain(rt)
    assert twilio.bodies_to(MARIA)[-1] == "Olá, Maria! Sou a Ana. Como posso ajudar?"
    assert wa.say(MARIA, "menu") == []  # a human owns it: even commands go to the human

    bad = client.post(f"/api/attendant/conversations/{cid}/reply", headers=auth, json={})
    assert bad.status_code == 400

    assert client.post(f"/api/attendant/conversations/{cid}/release", headers=auth).status_code == 200
    drain(rt)
    assert "atendimento com nossa equipe foi encerrado" in twilio.bodies_to(MARIA)[-1]
    assert "Como posso ajudar?" in wa.say(MARIA, "oi")[0]  # the bot is back


def test_menu_while_waiting_returns_to_the_bot(wa, rt):
    wa.say(MARIA, "atendente")
    assert "Como posso ajudar?" in wa.say(MARIA, "menu")[0]
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Conversation)).one().handoff is None


def test_repeated_misunderstanding_then_atendente_escalates_with_protocol(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "atendente")
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert c.handoff == "waiting" and c.data["protocol"]
