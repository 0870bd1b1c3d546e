"""Releasing a conversation settles every case of it still with the team, tells the person
which, and the bot answers again."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.engine import attendants as handoff
from storage.db import transaction
from storage.models import Conversation
from tests.conftest import JOSE, drain
from tests.scheduling_support import conversation_state, protocols

NUMBER = re.compile(r"\*(123456\d{14})\*")


def _auth(rt) -> dict:
    with transaction(rt.sessions) as s:
        return {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}


def _cid(rt) -> int:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == JOSE)).one().id


def _case_then_request(wa) -> tuple[str, str]:
    """A guarantee case the person left the queue with, then a request for a person."""
    wa.say(JOSE, "preciso de endocrinologista em campo grande")
    case = re.search(r"Seu protocolo \*(\d+)\* agora é de garantia", wa.say(JOSE, "682")[0]).group(1)
    assert "continua aberto" in wa.say(JOSE, "menu")[0]
    request = NUMBER.search(wa.say(JOSE, "atendente")[0]).group(1)
    assert request != case
    return case, request


def test_release_concludes_every_open_case_and_says_so(wa, rt, client, twilio):
    case, request = _case_then_request(wa)
    auth, cid = _auth(rt), _cid(rt)
    [entry] = client.get("/api/attendant/conversations", headers=auth).get_json()["conversations"]
    assert {c["protocol"] for c in entry["open_cases"]} == {case, request}
    assert client.post(f"/api/attendant/conversations/{cid}/take", headers=auth).status_code == 200
    assert client.post(f"/api/attendant/conversations/{cid}/release", headers=auth).status_code == 200
    drain(rt)
    assert twilio.bodies_to(JOSE)[-1] == (
        f"O atendimento com nossa equipe foi encerrado. Protocolos *{case}* e *{request}*: "
        "concluídos.\n\nSe precisar de algo mais, é só escrever ou digitar *menu*.")
    assert protocols(rt)[case][1:] == ("concluido", ["aberto", "encaminhado", "concluido"])
    assert protocols(rt)[request][1:] == ("concluido", ["aberto", "encaminhado", "concluido"])
    assert client.get("/api/attendant/conversations", headers=auth).get_json()["conversations"] == []
    assert conversation_state(rt, JOSE) == (None, None, {}, None)
    assert "Como posso ajudar?" in wa.say(JOSE, "oi")[0]  # the bot answers again


def test_release_unresolved_keeps_every_case_in_progress(wa, rt, client, twilio):
    case, request = _case_then_request(wa)
    auth, cid = _auth(rt), _cid(rt)
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    client.post(f"/api/attendant/conversations/{cid}/release", headers=auth,
                json={"resolved": False, "note": "aguardando retorno do prestador"})
    drain(rt)
    assert twilio.bodies_to(JOSE)[-1].startswith(
        f"Nossa equipe encerrou a conversa por aqui, mas os protocolos *{case}* e *{request}* "
        "continuam em andamento.")
    assert {protocols(rt)[n][1] for n in (case, request)} == {"aberto"}
    # Kept "aberto" for work outside the chat: a later release does not conclude them.
    wa.say(JOSE, "atendente")
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    client.post(f"/api/attendant/conversations/{cid}/release", headers=auth)
    assert {protocols(rt)[n][1] for n in (case, request)} == {"aberto"}
