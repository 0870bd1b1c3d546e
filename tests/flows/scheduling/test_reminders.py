"""Reminders through the signed webhook: typed answers only where they reach the reminder,
several reminders pending at once, and a reminder job racing a turn on PostgreSQL."""
from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.flows.scheduling.appointments import send_reminder
from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation
from tests.conftest import MARIA, drain
from tests.flows.scheduling.test_booking import _another_transaction_waits_for_a_lock
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    send_reminder_inside_window,
    slot_status,
)

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")
TYPED_ANSWERS = "Responda *sim* para confirmar presença, *cancelar* para desmarcar ou *remarcar*."
NO_TYPED_ANSWERS = ("Se precisar cancelar ou remarcar, escreva *minhas consultas* quando "
                    "terminar o assunto atual.")


# -- item 1: typed answers are offered only when they reach the reminder --------------------
def test_reminder_in_the_middle_of_another_journey_offers_no_typed_answers(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    clock.freeze(appointment.reminder_at - timedelta(minutes=5))
    wa.say(MARIA, "2a via do boleto")  # busy with something else right now
    wa.say(MARIA, "116")
    send_reminder_inside_window(rt, appointment)
    reminder = wa.twilio.bodies_to(MARIA)[-1]
    assert reminder.startswith("Lembrete: Maria tem consulta de Cardiologia *segunda-feira, 30/11/2026")
    assert reminder.endswith(NO_TYPED_ANSWERS) and "*cancelar*" not in reminder
    assert conversation_state(rt)[0] == "segunda_via"
    listing = wa.say(MARIA, "minhas consultas")  # what the reminder points to works from there
    assert "Sua próxima consulta:" in listing[-1], listing
    assert appointments(rt)[0].status == "booked"


def test_reminder_while_waiting_for_a_human_offers_no_typed_answers(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    wa.say(MARIA, "atendente")
    send_reminder_inside_window(rt, appointment)
    reminder = wa.twilio.bodies_to(MARIA)[-1]
    assert reminder.endswith(NO_TYPED_ANSWERS) and "*cancelar*" not in reminder
    assert conversation_state(rt)[3] == "waiting"  # still queued, state not taken


def test_reminder_to_an_idle_conversation_offers_typed_answers(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    send_reminder_inside_window(rt, appointment)
    assert wa.twilio.bodies_to(MARIA)[-1].endswith(TYPED_ANSWERS)
    assert conversation_state(rt)[:2] == ("minhas_consultas", "reminder_reply")


# -- item 12: several reminders waiting for an answer ----------------------------------------
def _two_reminded(wa, rt):
    """Maria's and her son João's appointments the same morning, both reminded."""
    book(wa, pick="2")
    book(wa, pick="3", patient="2")
    mine, his = appointments(rt)
    assert mine.starts_at.date() == his.starts_at.date() and his.patient_name.startswith("João")
    send_reminder_inside_window(rt, mine)
    send_reminder_inside_window(rt, his)
    assert wa.twilio.bodies_to(MARIA)[-1].startswith("Lembrete: João")
    return mine, his


def test_sim_after_two_reminders_confirms_both_and_says_which(wa, rt):
    mine, his = _two_reminded(wa, rt)
    [reply] = wa.say(MARIA, "sim")
    assert reply == ("Presença confirmada nas consultas:\n"
                     f"- Maria: Cardiologia, 30/11/2026 às {mine.starts_at:%H:%M}\n"
                     f"- João: Cardiologia, 30/11/2026 às {his.starts_at:%H:%M}\n"
                     "Até lá!")
    assert all(a.confirmed_at == clock.now() for a in appointments(rt))
    assert conversation_state(rt)[:2] == (None, None)


def test_cancelar_after_two_reminders_asks_which_then_the_other_still_waits(wa, rt):
    mine, his = _two_reminded(wa, rt)
    which = wa.say(MARIA, "cancelar")[0]
    assert which.startswith("Qual consulta você quer cancelar? Responda com o número:")
    assert f"1. Maria: Cardiologia, *30/11/2026 às {mine.starts_at:%H:%M}*" in which
    assert f"2. João: Cardiologia, *30/11/2026 às {his.starts_at:%H:%M}*" in which
    assert "cancelada. O horário foi liberado" in wa.say(MARIA, "2")[0]
    assert [a.status for a in appointments(rt)] == ["booked", "cancelled"]
    assert slot_status(rt, his.slot_ref) == "free"
    assert conversation_state(rt)[:2] == ("minhas_consultas", "reminder_reply")
    assert wa.say(MARIA, "Sim.") == [f"Presença confirmada para 30/11/2026 às {mine.starts_at:%H:%M}. Até lá!"]
    assert [a.confirmed_at is not None for a in appointments(rt)] == [True, False]


def test_which_reminder_comes_as_a_list_picker_when_configured(wa, rt, twilio):
    mine, his = _two_reminded(wa, rt)
    rt.settings = replace(rt.settings, content_list_sid="HXlist", content_buttons_sid="HXbuttons")
    wa.say(MARIA, "cancelar")
    sent = twilio.created[-1]
    assert sent["ContentSid"] == "HXlist"
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Qual consulta você quer cancelar? Escolha na lista:"
    assert [variables["2"], variables["5"]] == [f"appt:{mine.id}", f"appt:{his.id}"]
    assert all(len(variables[k]) <= 24 for k in ("3", "6"))
    wa.post(MARIA, variables["6"], extra={"ListId": variables["5"]})  # João's, tapped
    drain(rt)
    assert "cancelada. O horário foi liberado" in twilio.bodies_to(MARIA)[-1]
    assert [a.status for a in appointments(rt)] == ["booked", "cancelled"]


def test_which_reminder_answered_with_a_word_or_a_wrong_number(wa, rt):
    mine, his = _two_reminded(wa, rt)
    wa.say(MARIA, "cancelar")
    again = wa.say(MARIA, "5")[0]  # not on the list: asked again, as numbered text
    assert again.startswith("Qual consulta você quer cancelar? Responda com o número:")
    assert "cancelada" in wa.say(MARIA, "o primeiro")[0]
    assert [a.status for a in appointments(rt)] == ["cancelled", "booked"]


def test_cancelar_with_the_number_of_the_reminder(wa, rt):
    _two_reminded(wa, rt)
    assert "cancelada" in wa.say(MARIA, "cancelar 1")[0]
    assert [a.status for a in appointments(rt)] == ["cancelled", "booked"]


def test_a_button_answer_leaves_the_other_reminder_waiting(wa, rt):
    mine, his = _two_reminded(wa, rt)
    wa.post(MARIA, "Confirmar", extra={"ButtonPayload": f"appt-confirm:{his.id}"})
    from tests.conftest import drain

    drain(rt)
    assert conversation_state(rt)[2]["appointment_ids"] == [mine.id]
    assert wa.say(MARIA, "sim") == [f"Presença confirmada para 30/11/2026 às {mine.starts_at:%H:%M}. Até lá!"]


# -- item 2: the reminder job waits for a turn in progress ----------------------------------
@pytest.mark.skipif(not ON_POSTGRES, reason="row locks are PostgreSQL's; SQLite has one "
                                            "writer by design; run with DATABASE_URL")
def test_reminder_waits_for_a_turn_in_progress_and_keeps_what_it_wrote(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    clock.freeze(appointment.reminder_at + timedelta(minutes=1))  # the booking session is idle
    with transaction(rt.sessions) as s:
        s.scalars(select(Conversation)).one().last_inbound_at = clock.now() - timedelta(hours=1)
    sent: list[bool] = []
    job = threading.Thread(target=lambda: sent.append(send_reminder(appointment.id)))
    # A turn starting the 2ª via right now holds the conversation's row until it commits.
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)
                      .with_for_update()).one()
        c.flow, c.state, c.data = "segunda_via", "choose", {"protocol": "turn-in-progress"}
        c.last_activity_at = clock.now()
        s.flush()
        job.start()
        assert _another_transaction_waits_for_a_lock(rt)
    job.join(30)
    assert sent == [True]
    flow, state, data, _ = conversation_state(rt)
    assert (flow, state, data) == ("segunda_via", "choose", {"protocol": "turn-in-progress"})
    with transaction(rt.sessions) as s:
        from storage.models import OutboundMessage

        body = s.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id.desc())).first()
    assert body.endswith(NO_TYPED_ANSWERS)  # decided on what the turn committed


# -- issue 3: a reminder button after the session expired --------------------------------------
EXPIRED_NOTE = "Sua conversa anterior foi encerrada por inatividade. Vamos começar de novo."


@pytest.mark.parametrize("button,payload,status", [("Confirmar", "appt-confirm", "booked"),
                                                    ("Cancelar", "appt-cancel", "cancelled")])
def test_a_reminder_button_after_expiry_is_applied_without_the_fresh_start_note(
        wa, rt, button, payload, status):
    book(wa)
    [appointment] = appointments(rt)
    clock.freeze(appointment.reminder_at - timedelta(minutes=5))
    wa.say(MARIA, "2a via do boleto")  # busy with something else: the reminder keeps no state
    wa.say(MARIA, "116")
    send_reminder_inside_window(rt, appointment)
    clock.freeze(clock.now() + timedelta(minutes=40))  # the bill session expires meanwhile
    [reply] = wa.say(MARIA, button, extra={"ButtonPayload": f"{payload}:{appointment.id}"})
    assert EXPIRED_NOTE not in reply and "começar de novo" not in reply
    if status == "booked":
        assert reply == f"Presença confirmada para 30/11/2026 às {appointment.starts_at:%H:%M}. Até lá!"
        assert appointments(rt)[0].confirmed_at == clock.now()
    else:
        assert "cancelada. O horário foi liberado" in reply
    assert appointments(rt)[0].status == status
    assert conversation_state(rt)[0] is None  # the expired bill journey stays closed

