"""Waiting in the human queue: the request survives buttons and other messages; "sair" /
"cancelar" leave with a clear message and a cancelled request; "atendente" queues again."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.engine import attendants as handoff
from storage.db import transaction
from storage.models import Protocol
from tests.conftest import MARIA
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    later,
    protocols,
    send_reminder_inside_window,
)

NUMBER = re.compile(r"\*(123456\d{14})\*")


def _queued(rt, number: str) -> None:
    flow, state, data, handoff_ = conversation_state(rt)
    assert handoff_ == "waiting" and data["protocol"] == number
    assert protocols(rt)[number][1] == "encaminhado"
    with transaction(rt.sessions) as s:
        assert [c.data["protocol"] for c in handoff.waiting(s)] == [number]


def test_the_request_survives_buttons_and_messages_while_waiting(wa, rt):
    number = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    assert wa.say(MARIA, "2ª via", extra={"ButtonPayload": "1"}) == []  # a stale list button
    assert wa.say(MARIA, "Sim", extra={"ButtonPayload": "yes"}) == []
    assert wa.say(MARIA, "2a via") == []
    assert wa.say(MARIA, "116") == []
    _queued(rt, number)
    later(minutes=11)
    [notice] = wa.say(MARIA, "Confirmar", extra={"ButtonPayload": "confirm"})
    assert notice.startswith(f"Você está na fila do atendimento humano (protocolo *{number}*)")
    _queued(rt, number)


def test_a_reminder_button_while_waiting_keeps_the_request(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    number = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    send_reminder_inside_window(rt, appointment)
    [reply] = wa.say(MARIA, "Confirmar", extra={"ButtonPayload": f"appt-confirm:{appointment.id}"})
    assert "confirmad" in reply
    _queued(rt, number)


@pytest.mark.parametrize("word", ["sair", "cancelar", "Cancelar."])
def test_leaving_the_queue_says_so_cancels_the_request_and_atendente_queues_again(wa, rt, word):
    first = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    assert wa.say(MARIA, word) == [
        f"Certo, você saiu da fila do atendimento humano e o pedido (protocolo *{first}*) foi "
        "cancelado. Se quiser falar com uma pessoa depois, é só digitar *atendente*."]
    assert protocols(rt)[first][1:] == ("cancelado", ["aberto", "encaminhado", "cancelado"])
    assert conversation_state(rt) == (None, None, {}, None)
    with transaction(rt.sessions) as s:
        assert handoff.waiting(s) == []
        note = s.scalars(select(Protocol)).one().events[-1].note
        assert note == "cancelado pelo beneficiário: saiu da fila do atendimento humano"

    [again] = wa.say(MARIA, "atendente")
    second = NUMBER.search(again).group(1)
    assert second != first and again.startswith("Protocolo de atendimento (atendimento humano)")
    assert "Vou transferir você para um de nossos atendentes" in again
    _queued(rt, second)
    assert protocols(rt)[first][1] == "cancelado"


def test_menu_while_waiting_tells_the_request_was_cancelled_then_shows_the_menu(wa, rt):
    first = NUMBER.search(wa.say(MARIA, "atendente")[0]).group(1)
    [reply] = wa.say(MARIA, "menu")
    assert reply.startswith(f"Certo, você saiu da fila do atendimento humano e o pedido "
                            f"(protocolo *{first}*) foi cancelado.")
    assert "Como posso ajudar?" in reply
