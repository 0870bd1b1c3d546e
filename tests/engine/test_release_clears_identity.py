"""Releasing a conversation hands the person a fresh bot session: the identity confirmed
before the handoff lapses (LGPD). A human conversation may last hours, during which the
bot's idle expiry does not run; the old confirmation used to unlock bills afterwards."""
from __future__ import annotations

from datetime import timedelta

from bot.engine import attendants as handoff
from bot.platform import clock
from storage.db import transaction
from tests.conftest import MARIA, drain


def test_identity_is_asked_again_after_a_release(wa, rt, client, twilio):
    wa.say(MARIA, "2a via")
    assert "boletos em aberto" in wa.say(MARIA, "116")[0]
    wa.say(MARIA, "atendente")
    with transaction(rt.sessions) as s:
        auth = {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}
    clock.freeze(clock.now() + timedelta(hours=2))
    assert client.post("/api/attendant/conversations/1/take", headers=auth).status_code == 200
    assert wa.say(MARIA, "oi, ainda preciso de ajuda") == []
    client.post("/api/attendant/conversations/1/reply", headers=auth, json={"text": "Resolvido!"})
    assert client.post("/api/attendant/conversations/1/release", headers=auth).status_code == 200
    drain(rt)
    reply = wa.say(MARIA, "2a via")[0]
    assert "confirme os *3 primeiros dígitos* do seu CPF" in reply
    assert "boletos em aberto" not in reply
