"""Human handoff: escalation silences the bot; attendants reply through the outbox; release."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.engine import attendants as handoff
from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA, drain

PROTOCOL = re.compile(r"\*(123456\d{14})\*")


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


def test_menu_while_waiting_returns_to_the_bot_and_closes_the_request(wa, rt):
    wa.say(MARIA, "atendente")
    assert "Como posso ajudar?" in wa.say(MARIA, "menu")[0]
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Conversation)).one().handoff is None
        protocol = s.scalars(select(Protocol)).one()
        assert protocol.status == "cancelado" and "saiu da fila" in protocol.events[-1].note


def test_repeated_misunderstanding_then_atendente_escalates_with_protocol(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "atendente")
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert c.handoff == "waiting" and c.data["protocol"]


def _auth(rt, name="Ana") -> dict:
    return {"Authorization": f"Bearer {_token(rt, name)}"}


def _conversation_id(rt) -> int:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation)).one().id


def _protocol(rt, number: str) -> tuple[str, list[tuple[str, str | None]], str]:
    with transaction(rt.sessions) as s:
        p = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        return p.status, [(e.status, e.note) for e in p.events], p.journey


def test_atendente_outside_a_journey_opens_a_protocol_told_first(wa, rt):
    reply = wa.say(MARIA, "atendente")[0]
    assert reply.startswith("Protocolo de atendimento (atendimento humano): *")
    assert reply.index("Protocolo") < reply.index("transferir você")
    number = PROTOCOL.search(reply).group(1)
    status, events, journey = _protocol(rt, number)
    assert journey == "atendimento_humano" and status == "encaminhado"
    assert [e[0] for e in events] == ["aberto", "encaminhado"]
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol)).one().beneficiary_ref == "B001"


def test_menu_entry_for_a_person_opens_a_protocol(wa, rt):
    menu = wa.say(MARIA, "oi")[0]
    option = re.search(r"(\d+)\. Falar com um atendente", menu).group(1)
    reply = wa.say(MARIA, option)[0]
    assert "atendimento humano" in reply and "transferir você" in reply
    assert _protocol(rt, PROTOCOL.search(reply).group(1))[0] == "encaminhado"


def test_escalating_inside_a_journey_keeps_its_protocol(wa, rt):
    number = PROTOCOL.search(wa.say(MARIA, "2a via")[0]).group(1)
    reply = wa.say(MARIA, "atendente")[0]
    assert "Protocolo" not in reply  # the journey's protocol already covers the request
    assert _protocol(rt, number)[0] == "encaminhado"
    with transaction(rt.sessions) as s:
        assert len(s.scalars(select(Protocol)).all()) == 1


def test_release_closes_the_protocol_and_my_protocols_shows_it_done(wa, rt, client, twilio):
    number = PROTOCOL.search(wa.say(MARIA, "atendente")[0]).group(1)
    auth, cid = _auth(rt), _conversation_id(rt)
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    assert client.post(f"/api/attendant/conversations/{cid}/release", headers=auth).status_code == 200
    drain(rt)
    released = twilio.bodies_to(MARIA)[-1]
    assert "atendimento com nossa equipe foi encerrado" in released
    assert f"Protocolo *{number}*: concluído" in released
    status, events, _ = _protocol(rt, number)
    assert status == "concluido" and events[-1] == ("concluido", "atendimento humano concluído por Ana")

    wa.say(MARIA, "meus protocolos")
    listing = wa.say(MARIA, "116")[0]
    assert f"*{number}* – Atendimento humano – concluído" in listing
    assert "com um atendente" not in listing


def test_release_may_leave_the_request_open_with_a_note(wa, rt, client, twilio):
    number = PROTOCOL.search(wa.say(MARIA, "atendente")[0]).group(1)
    auth, cid = _auth(rt), _conversation_id(rt)
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    response = client.post(f"/api/attendant/conversations/{cid}/release", headers=auth,
                           json={"resolved": False, "note": "enviado ao setor de cadastro"})
    assert response.status_code == 200
    drain(rt)
    assert f"*{number}* continua em andamento" in twilio.bodies_to(MARIA)[-1]
    status, events, _ = _protocol(rt, number)
    assert status == "aberto" and events[-1] == ("aberto", "enviado ao setor de cadastro")


def test_release_with_a_malformed_body_changes_nothing(wa, rt, client):
    number = PROTOCOL.search(wa.say(MARIA, "atendente")[0]).group(1)
    auth, cid = _auth(rt), _conversation_id(rt)
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    for body in ({"resolved": "sim"}, {"note": 5}, ["resolved"]):
        response = client.post(f"/api/attendant/conversations/{cid}/release", headers=auth, json=body)
        assert response.status_code == 400
    assert _protocol(rt, number)[0] == "encaminhado"
    with transaction(rt.sessions) as s:
        assert s.get(Conversation, cid).handoff == "attendant"


def test_idle_time_in_the_queue_keeps_the_request_open(wa, rt):
    number = PROTOCOL.search(wa.say(MARIA, "2a via")[0]).group(1)
    wa.say(MARIA, "116")
    wa.say(MARIA, "atendente")
    clock.freeze(clock.now() + timedelta(hours=2))
    [notice] = wa.say(MARIA, "ainda estou aguardando")  # queued: told so, nothing else
    assert f"Você está na fila do atendimento humano (protocolo *{number}*)" in notice
    assert _protocol(rt, number)[0] == "encaminhado"
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert c.handoff == "waiting" and c.data["protocol"] == number
        assert c.identity_verified_at is None  # identity lapses as in any idle session
    with transaction(rt.sessions) as s:
        [waiting] = handoff.waiting(s)
        assert waiting.data["protocol"] == number


def test_cancel_while_waiting_closes_the_request(wa, rt):
    number = PROTOCOL.search(wa.say(MARIA, "atendente")[0]).group(1)
    assert "você saiu da fila do atendimento humano" in wa.say(MARIA, "cancelar")[0]
    assert _protocol(rt, number)[0] == "cancelado"
    assert "Como posso ajudar?" in wa.say(MARIA, "oi")[0]
