"""An attendant's reply or release note with NUL characters: dropped before storing, as for
inbound messages (PostgreSQL text cannot hold them: the request failed with a 500)."""
from __future__ import annotations

from sqlalchemy import select

from bot.engine import attendants as handoff
from storage.db import transaction
from storage.models import OutboundMessage, ProtocolEvent
from tests.conftest import MARIA, drain


def test_nul_characters_are_dropped_from_replies_and_notes(wa, rt, client, twilio):
    wa.say(MARIA, "atendente")
    with transaction(rt.sessions) as s:
        auth = {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}
    cid = client.get("/api/attendant/conversations", headers=auth).get_json()["conversations"][0]["id"]
    assert client.post(f"/api/attendant/conversations/{cid}/take", headers=auth).status_code == 200
    response = client.post(f"/api/attendant/conversations/{cid}/reply", headers=auth,
                           json={"text": "Olá\x00, Maria!"})
    assert response.status_code == 200
    assert client.post(f"/api/attendant/conversations/{cid}/reply", headers=auth,
                       json={"text": "\x00 \x00"}).status_code == 400  # nothing left to send
    response = client.post(f"/api/attendant/conversations/{cid}/release", headers=auth,
                           json={"note": "resolvido\x00 por telefone"})
    assert response.status_code == 200
    drain(rt)
    assert "Olá, Maria!" in twilio.bodies_to(MARIA)
    with transaction(rt.sessions) as s:
        assert not any("\x00" in m.body for m in s.scalars(select(OutboundMessage)))
        notes = [e.note for e in s.scalars(select(ProtocolEvent))]
        assert "resolvido por telefone" in notes and not any("\x00" in (n or "") for n in notes)
