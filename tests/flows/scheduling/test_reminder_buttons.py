"""Reminder buttons and the 'qual consulta?' question, however late."""
from __future__ import annotations

from datetime import timedelta

from bot.platform import clock
from tests.conftest import MARIA, drain
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    later,
    protocols,
    send_reminder_inside_window,
)


# -- item 5: reminder answers after the session expired -----------------------------------------
def _two_reminded(wa, rt):
    """Maria's and her son João's appointments the same morning, both reminded."""
    book(wa, pick="2")
    book(wa, pick="3", patient="2")
    mine, his = appointments(rt)
    send_reminder_inside_window(rt, mine)
    send_reminder_inside_window(rt, his)
    return mine, his


def test_cancelar_after_declining_a_reminder_cancels_the_appointment(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    send_reminder_inside_window(rt, appointment)
    assert "Confirma o cancelamento" in wa.say(MARIA, "não vou")[0]
    reply = wa.say(MARIA, "cancelar")
    assert len(reply) == 1 and "cancelada. O horário foi liberado" in reply[0], reply
    assert appointments(rt)[0].status == "cancelled"
    assert protocols(rt)[appointment.protocol_number][1] == "cancelado"


def test_a_reminder_button_after_the_journey_expired_cancels_that_appointment(wa, rt):
    book(wa, pick="2")
    book(wa, pick="3", patient="2")
    mine, his = appointments(rt)
    clock.freeze(his.reminder_at - timedelta(minutes=5))
    wa.say(MARIA, "2a via do boleto")  # busy: the reminder takes no typed answers
    wa.say(MARIA, "116")
    journey = conversation_state(rt)[2]["protocol"]
    send_reminder_inside_window(rt, his)
    later(hours=2)  # the 2ª via was left long ago
    wa.post(MARIA, "Cancelar", extra={"ButtonPayload": f"appt-cancel:{his.id}"})
    drain(rt)
    reply = wa.twilio.bodies_to(MARIA)[-1]
    assert reply.endswith(f"Consulta de Cardiologia de 30/11/2026 às {his.starts_at:%H:%M} "
                          f"cancelada. O horário foi liberado. Protocolo: *{his.protocol_number}*.")
    assert [a.status for a in appointments(rt)] == ["booked", "cancelled"]
    assert protocols(rt)[journey][1] == "expirado"  # closed as the engine closes idle journeys
    assert conversation_state(rt)[:2] == (None, None)


def test_a_reminder_button_hours_later_in_the_reminder_state_applies_to_its_appointment(wa, rt):
    mine, his = _two_reminded(wa, rt)
    later(hours=3)
    wa.post(MARIA, "Cancelar", extra={"ButtonPayload": f"appt-cancel:{mine.id}"})
    drain(rt)
    assert "cancelada" in wa.twilio.bodies_to(MARIA)[-1]
    assert [a.status for a in appointments(rt)] == ["cancelled", "booked"]
    assert conversation_state(rt)[:2] == ("minhas_consultas", "reminder_reply")
    assert wa.say(MARIA, "sim") == [f"Presença confirmada para 30/11/2026 às {his.starts_at:%H:%M}. Até lá!"]


def test_a_new_reminder_keeps_the_ones_still_waiting_in_a_which_one_question(wa, rt):
    book(wa, pick="2")
    book(wa, pick="3", patient="2")
    book(wa, pick="4", patient="3")
    mine, his, hers = appointments(rt)
    send_reminder_inside_window(rt, mine)
    send_reminder_inside_window(rt, his)
    assert "Qual consulta você quer cancelar?" in wa.say(MARIA, "cancelar")[0]
    send_reminder_inside_window(rt, hers)  # 40 minutes later: the question was left open
    assert wa.twilio.bodies_to(MARIA)[-1].startswith("Lembrete: Ana")
    flow, state, data, _ = conversation_state(rt)
    assert (flow, state) == ("minhas_consultas", "reminder_reply")
    assert data["appointment_ids"] == [mine.id, his.id, hers.id]
    assert wa.say(MARIA, "sim")[0].startswith("Presença confirmada nas consultas:")
    assert all(a.confirmed_at is not None for a in appointments(rt))


def test_which_one_answers_count_in_the_list_shown(wa, rt):
    mine, his = _two_reminded(wa, rt)
    which = wa.say(MARIA, "cancelar")[0]
    assert f"1. Maria: Cardiologia, *30/11/2026 às {mine.starts_at:%H:%M}*" in which
    clock.freeze(clock.from_local(mine.starts_at) + timedelta(minutes=5))  # hers has begun
    reply = wa.say(MARIA, "1")
    assert [a.status for a in appointments(rt)] == ["booked", "booked"]  # João's untouched
    assert reply == ["Essa consulta não está mais ativa. Escreva *minhas consultas* para ver as suas consultas."]


def test_a_confirm_button_at_the_cancel_question_settles_it(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    send_reminder_inside_window(rt, appointment)
    assert "Confirma o cancelamento" in wa.say(MARIA, "não")[0]
    later(hours=1)
    wa.post(MARIA, "Confirmar", extra={"ButtonPayload": f"appt-confirm:{appointment.id}"})
    drain(rt)
    assert wa.twilio.bodies_to(MARIA)[-1] == "Presença confirmada para 30/11/2026 às 09:00. Até lá!"
    assert conversation_state(rt)[:2] == (None, None)  # the cancel question is moot now
    wa.say(MARIA, "sim")
    [after] = appointments(rt)
    assert after.status == "booked" and after.confirmed_at is not None

