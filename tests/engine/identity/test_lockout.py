"""Identity lockout: while blocked, a request for data gets one short reply and nothing
else (no protocol opened and cancelled per message); when the block ends, identity can
be tried again."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import FROZEN_NOW, MARIA

STILL_BLOCKED = ("Por segurança, a consulta de dados continua bloqueada até as 09:15. Depois "
                 "disso você pode tentar de novo; se preferir, digite *atendente*.")


def _block(wa):
    wa.say(MARIA, "2a via")
    for wrong in ("999", "998", "997"):
        reply = wa.say(MARIA, wrong)
    assert "bloqueei a consulta de dados por 15 minutos" in reply[0]


def _protocols(rt):
    with transaction(rt.sessions) as s:
        return [(p.journey, p.status) for p in s.scalars(select(Protocol).order_by(Protocol.id))]


def test_requests_while_blocked_get_one_short_reply_and_open_no_protocol(wa, rt):
    _block(wa)  # 09:00 in Campo Grande: blocked until 09:15
    for request in ("2a via", "quero marcar uma consulta", "meus protocolos", "1"):
        assert wa.say(MARIA, request) == [STILL_BLOCKED]
    assert _protocols(rt) == [("segunda_via", "cancelado")]  # only the journey that failed
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert (c.flow, c.state, c.handoff) == (None, None, None)
    assert "Como posso ajudar?" in wa.say(MARIA, "oi")[0]  # the menu needs no identity


def test_a_person_can_still_be_asked_for_while_blocked(wa, rt):
    _block(wa)
    [reply] = wa.say(MARIA, "atendente")
    assert "Vou transferir você para um de nossos atendentes" in reply
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Protocol)
                        .where(Protocol.journey == "atendimento_humano")) == 1


def test_a_journey_button_while_blocked_and_queued_keeps_the_person_in_the_queue(wa, rt):
    _block(wa)
    wa.say(MARIA, "atendente")
    reply = wa.say(MARIA, "Negociar", extra={"ButtonPayload": "negotiate"})
    assert reply == [STILL_BLOCKED]
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert c.handoff == "waiting" and c.data["protocol"]  # the request is intact
        assert s.scalars(select(Protocol).where(Protocol.number == c.data["protocol"])
                         ).one().status == "encaminhado"


def test_identity_can_be_tried_again_once_the_block_ends(wa, rt):
    _block(wa)
    clock.freeze(FROZEN_NOW + timedelta(minutes=14))
    assert wa.say(MARIA, "2a via") == [STILL_BLOCKED]
    clock.freeze(FROZEN_NOW + timedelta(minutes=15, seconds=1))
    [ask] = wa.say(MARIA, "2a via")
    assert "Protocolo" in ask and "3 primeiros dígitos" in ask
    assert "2 tentativas" in wa.say(MARIA, "999")[0]  # a fresh count of attempts
    assert "boletos em aberto" in wa.say(MARIA, "116")[0]


def test_more_answers_typed_during_the_block_are_not_misunderstandings(wa, rt):
    _block(wa)
    for answer in ("116", "117", "118", "11676496726"):
        assert wa.say(MARIA, answer) == [STILL_BLOCKED]  # never escalated as "não entendi"
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert (c.handoff, c.misunderstandings) == (None, 0)
    assert _protocols(rt) == [("segunda_via", "cancelado")]
