"""The human queue seen from both sides: what the person gets while waiting (a rare
notice, working buttons, leaving without losing a case) and what the attendant API allows
(take anything, release only what you own, never on a malformed body)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.engine import attendants as handoff
from storage.db import transaction
from storage.models import Campaign, Conversation, OutboundMessage
from tests.conftest import JOSE, MARIA, drain
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    later,
    protocols,
    send_reminder_inside_window,
)

NUMBER = re.compile(r"\*(123456\d{14})\*")


def _auth(rt, name="Ana") -> dict:
    with transaction(rt.sessions) as s:
        return {"Authorization": f"Bearer {handoff.create_attendant(s, name)}"}


def _conversation_id(rt, phone=MARIA) -> int:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one().id


def _listing(client, auth) -> list[dict]:
    return client.get("/api/attendant/conversations", headers=auth).get_json()["conversations"]


def _guarantee_case(wa) -> str:
    """José asks for an endocrinologist: nothing within the ANS deadline → a guarantee case."""
    wa.say(JOSE, "preciso de endocrinologista em campo grande")
    reply = wa.say(JOSE, "682")[0]
    return re.search(r"Seu protocolo \*(\d+)\* agora é de garantia de atendimento", reply).group(1)


# -- item 1: leaving the queue never drops a case the operator owes ------------------------
def test_menu_while_a_guarantee_case_waits_keeps_the_case_and_its_place(wa, rt, client):
    number = _guarantee_case(wa)
    [reply] = wa.say(JOSE, "menu")
    assert f"Seu protocolo *{number}* continua aberto com a nossa equipe" in reply
    assert "vai entrar em contato" in reply and "Como posso ajudar?" in reply  # the menu too
    assert protocols(rt)[number] == ("garantia_atendimento", "encaminhado", ["aberto", "encaminhado"])
    assert conversation_state(rt, JOSE)[3] is None  # the bot answers the person again

    auth = _auth(rt)
    [entry] = _listing(client, auth)
    assert entry["address"] == JOSE and entry["handoff"] is None
    assert [c["protocol"] for c in entry["open_cases"]] == [number]

    cid = _conversation_id(rt, JOSE)
    assert client.post(f"/api/attendant/conversations/{cid}/take", headers=auth).status_code == 200
    drain(rt)
    stepped_in = wa.twilio.bodies_to(JOSE)[-1]
    assert "Uma pessoa da nossa equipe entrou na conversa" in stepped_in and number in stepped_in
    assert "Protocolo de atendimento" not in stepped_in  # no new number: the case's own
    assert client.post(f"/api/attendant/conversations/{cid}/release", headers=auth).status_code == 200
    assert protocols(rt)[number][1] == "concluido"
    assert _listing(client, auth) == []


def test_cancel_while_a_wrong_data_case_waits_says_the_case_goes_on(wa, rt):
    wa.say(MARIA, "marcar dermatologista")
    wa.say(MARIA, "116")
    wa.say(MARIA, "ana")  # a dependent's data: corrected by a person
    wa.say(MARIA, "1")
    wa.say(MARIA, "os dados dela estão incorretos")
    [(number, _)] = protocols(rt).items()
    [reply] = wa.say(MARIA, "cancelar")
    assert f"Seu protocolo *{number}* continua aberto com a nossa equipe" in reply
    assert "encerrei este assunto" not in reply
    assert protocols(rt)[number] == ("agendamento", "encaminhado", ["aberto", "encaminhado"])
    assert conversation_state(rt) == (None, None, {}, None)


def test_leaving_the_queue_withdraws_a_mere_request_for_a_person(wa, rt):
    number = NUMBER.search(wa.say(MARIA, "2a via")[0]).group(1)
    wa.say(MARIA, "atendente")  # inside the journey: its protocol goes to the queue
    [reply] = wa.say(MARIA, "menu")
    assert "continua aberto" not in reply and "Como posso ajudar?" in reply
    assert protocols(rt)[number][1:] == ("cancelado", ["aberto", "encaminhado", "cancelado"])


# -- item 4: one short notice per interval while waiting, silence once a human owns it -----
def test_waiting_person_gets_a_rare_queue_notice_and_then_silence_with_an_attendant(wa, rt, client):
    number = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    assert wa.say(MARIA, "oi?") == []  # just told they are queued
    later(minutes=11)
    [notice] = wa.say(MARIA, "alguem ai?")
    assert notice == (f"Você está na fila do atendimento humano (protocolo *{number}*): um "
                      "atendente já vai responder por aqui. Se preferir voltar ao assistente "
                      "virtual, digite *menu*.")
    later(minutes=5)
    assert wa.say(MARIA, "???") == []
    assert wa.say(MARIA, "atendente") == []  # already in the queue: no second protocol either
    later(minutes=6)
    assert wa.say(MARIA, "obrigada, vou aguardar") == [notice]
    assert len(protocols(rt)) == 1

    auth, cid = _auth(rt), _conversation_id(rt)
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    drain(rt)
    later(minutes=30)
    assert wa.say(MARIA, "oi?") == []  # a human owns it: the bot says nothing


# -- item 5: buttons work while waiting ----------------------------------------------------
def test_reminder_cancel_button_works_while_waiting_for_a_human(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    wa.say(MARIA, "atendente")
    send_reminder_inside_window(rt, appointment)
    [reply] = wa.say(MARIA, "Cancelar", extra={"ButtonPayload": f"appt-cancel:{appointment.id}"})
    assert "cancelada. O horário foi liberado" in reply
    assert [a.status for a in appointments(rt)] == ["cancelled"]
    assert conversation_state(rt)[3] == "waiting"  # still in the queue for the person


def test_campaign_button_while_waiting_leaves_the_queue_for_the_journey(wa, rt):
    number = NUMBER.search(wa.say(JOSE, "atendente")[0]).group(1)
    [reply] = wa.say(JOSE, "Quero negociar", extra={"ButtonPayload": "negotiate"})
    assert "conversa fica registrada" in reply and "Protocolo de atendimento (negociação" in reply
    assert protocols(rt)[number][1] == "cancelado"  # the bare request for a person
    flow, _, _, queued = conversation_state(rt, JOSE)
    assert flow == "negociacao" and queued is None


# -- item 7: the attendant API -------------------------------------------------------------
def _sent(rt) -> int:
    with transaction(rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(OutboundMessage))


def test_release_with_an_unreadable_body_is_refused_and_changes_nothing(wa, rt, client):
    number = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    auth, cid = _auth(rt), _conversation_id(rt)
    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    before = _sent(rt)
    for body in ("xx", "null", "{\"resolved\": tru"):
        response = client.post(f"/api/attendant/conversations/{cid}/release", headers=auth, data=body)
        assert response.status_code == 400
    assert protocols(rt)[number][1] == "encaminhado" and _sent(rt) == before
    assert conversation_state(rt)[3] == "attendant"


def test_release_requires_taking_first_and_happens_once(wa, rt, client, twilio):
    number = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    auth, cid = _auth(rt), _conversation_id(rt)
    before = _sent(rt)
    response = client.post(f"/api/attendant/conversations/{cid}/release", headers=auth)
    assert response.status_code == 409 and "take" in response.get_json()["error"]
    assert protocols(rt)[number][1] == "encaminhado" and _sent(rt) == before

    client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    assert client.post(f"/api/attendant/conversations/{cid}/release", headers=auth).status_code == 200
    assert client.post(f"/api/attendant/conversations/{cid}/release", headers=auth).status_code == 409
    drain(rt)
    assert sum("atendimento com nossa equipe foi encerrado" in b for b in twilio.bodies_to(MARIA)) == 1


def test_taking_a_conversation_the_bot_owns_opens_a_request_and_tells_the_person(wa, rt, client):
    wa.say(MARIA, "oi")
    auth, cid = _auth(rt), _conversation_id(rt)
    response = client.post(f"/api/attendant/conversations/{cid}/take", headers=auth)
    assert response.status_code == 200
    number = response.get_json()["protocol"]
    assert protocols(rt)[number] == ("atendimento_humano", "encaminhado", ["aberto", "encaminhado"])
    drain(rt)
    told = wa.twilio.bodies_to(MARIA)[-1]
    assert told.startswith(f"Protocolo de atendimento (atendimento humano): *{number}*")
    assert "Uma pessoa da nossa equipe entrou na conversa" in told
    assert wa.say(MARIA, "2a via") == []  # the attendant has it now
    client.post(f"/api/attendant/conversations/{cid}/release", headers=auth)
    assert protocols(rt)[number][1] == "concluido"


def test_taking_a_live_journey_forwards_its_protocol(wa, rt, client):
    number = NUMBER.search(wa.say(MARIA, "2a via")[0]).group(1)
    auth, cid = _auth(rt), _conversation_id(rt)
    assert client.post(f"/api/attendant/conversations/{cid}/take", headers=auth).get_json()["protocol"] == number
    assert protocols(rt)[number][1] == "encaminhado" and len(protocols(rt)) == 1
    assert conversation_state(rt) == (None, None, {"protocol": number}, "attendant")


def test_campaign_with_an_unreadable_body_is_refused(rt, client):
    response = client.post("/api/attendant/campaigns/negotiation", headers=_auth(rt), data="xx")
    assert response.status_code == 400
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0
