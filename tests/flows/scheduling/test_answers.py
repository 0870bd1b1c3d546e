"""Answers to a reminder and to "minhas consultas", through the signed webhook: the word
"cancelar" the prompts offer, answers hours later, reschedules given up, vanished
appointments."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete

from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from storage.db import transaction
from storage.models import Appointment
from tests.conftest import MARIA, drain
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    later,
    protocols,
    send_reminder_inside_window,
    slot_status,
)


def _booked_and_reminded(wa, rt) -> Appointment:
    book(wa)
    [appointment] = appointments(rt)
    send_reminder_inside_window(rt, appointment)
    assert "Responda *sim* para confirmar presença, *cancelar*" in wa.twilio.bodies_to(MARIA)[-1]
    return appointment


# -- item 1: "cancelar" offered by a state's own prompt ------------------------------------
def test_cancelar_answering_the_reminder_cancels_the_appointment_and_frees_the_slot(wa, rt):
    appointment = _booked_and_reminded(wa, rt)
    reply = wa.say(MARIA, "cancelar")[0]
    assert "cancelada. O horário foi liberado" in reply
    [after] = appointments(rt)
    assert after.status == "cancelled" and slot_status(rt, after.slot_ref) == "free"
    assert protocols(rt)[appointment.protocol_number][2] == ["aberto", "agendado", "cancelado"]
    assert conversation_state(rt)[:2] == (None, None)


def test_cancelar_after_choosing_an_appointment_asks_to_confirm_then_cancels(wa, rt):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    assert "Responda *cancelar* ou *remarcar*" in wa.say(MARIA, "1")[0]
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancelar")[0]
    assert appointments(rt)[0].status == "booked"  # nothing happens before the "sim"
    assert "cancelada" in wa.say(MARIA, "sim")[0]
    assert appointments(rt)[0].status == "cancelled"


def test_cancelar_in_the_list_of_several_appointments_asks_which_one(wa, rt):
    book(wa, pick="2")
    book(wa, pick="3")
    listing = wa.say(MARIA, "minhas consultas")[0]
    assert "1. " in listing and "2. " in listing
    assert "Qual consulta você quer cancelar? Responda com o número (1 a 2)" in wa.say(MARIA, "cancelar")[0]
    assert "Confirma o cancelamento" in wa.say(MARIA, "2")[0]
    wa.say(MARIA, "sim")
    assert [a.status for a in appointments(rt)] == ["booked", "cancelled"]


def test_other_cancel_words_in_a_claiming_state_still_end_the_conversation(wa, rt):
    _booked_and_reminded(wa, rt)
    assert "encerrei este assunto" in wa.say(MARIA, "sair")[0]
    assert appointments(rt)[0].status == "booked"
    assert conversation_state(rt)[:2] == (None, None)


def test_cancelar_while_waiting_for_a_human_leaves_the_queue_not_the_appointment(wa, rt):
    _booked_and_reminded(wa, rt)
    wa.say(MARIA, "atendente")
    assert conversation_state(rt)[3] == "waiting"
    assert "você saiu da fila do atendimento humano" in wa.say(MARIA, "cancelar")[0]
    assert appointments(rt)[0].status == "booked"
    assert conversation_state(rt)[3] is None


# -- item 2: the reminder's state outlives idle expiry --------------------------------------
def test_sim_two_hours_after_the_reminder_confirms(wa, rt):
    _booked_and_reminded(wa, rt)
    later(hours=2)
    reply = wa.say(MARIA, "sim")
    assert reply == ["Presença confirmada para 30/11/2026 às 09:00. Até lá!"]
    assert appointments(rt)[0].confirmed_at == clock.now()


def test_cancelar_two_hours_after_the_reminder_cancels_and_frees_the_slot(wa, rt):
    _booked_and_reminded(wa, rt)
    later(hours=2)
    reply = wa.say(MARIA, "cancelar")
    assert len(reply) == 1 and "cancelada. O horário foi liberado" in reply[0]
    [after] = appointments(rt)
    assert after.status == "cancelled" and slot_status(rt, after.slot_ref) == "free"


def test_the_reminder_state_ends_with_the_appointment(wa, rt):
    appointment = _booked_and_reminded(wa, rt)
    clock.freeze(clock.from_local(appointment.starts_at) + timedelta(hours=1))
    reply = wa.say(MARIA, "sim")[0]
    assert "encerrada por inatividade" in reply
    assert appointments(rt)[0].confirmed_at is None


def test_remarcar_hours_after_the_reminder_confirms_identity_first(wa, rt):
    appointment = _booked_and_reminded(wa, rt)
    later(hours=2)
    ask = wa.say(MARIA, "remarcar")[0]
    assert "Protocolo de atendimento (suas consultas)" in ask
    assert "3 primeiros dígitos" in ask and "Horários livres" not in ask
    results = wa.say(MARIA, "116")[0]
    assert "Vamos remarcar a consulta de 30/11/2026 às 09:00" in results
    assert "Horários livres de *Cardiologia*" in results
    wa.say(MARIA, "1")
    assert "Consulta remarcada!" in wa.say(MARIA, "sim")[0]
    old, new = appointments(rt)
    assert old.status == "rescheduled" and new.protocol_number == appointment.protocol_number


def test_remarcar_right_after_the_reminder_in_a_fresh_session_asks_identity(wa, rt):
    _booked_and_reminded(wa, rt)  # booked days before: that identity check is long gone
    assert "3 primeiros dígitos" in wa.say(MARIA, "remarcar")[0]


def test_nao_to_the_reminder_asks_before_cancelling(wa, rt):
    _booked_and_reminded(wa, rt)
    assert "Confirma o cancelamento" in wa.say(MARIA, "não")[0]
    assert "continua marcada" in wa.say(MARIA, "não")[0]
    assert appointments(rt)[0].status == "booked"


# -- item 5: giving up a reschedule leaves the appointment's protocol alone ------------------
@pytest.mark.parametrize("give_up", ["cancelar", "2a via do boleto", "idle"])
def test_abandoned_reschedule_keeps_the_appointment_and_its_protocol(wa, rt, give_up):
    booked = book(wa)
    number = re.search(r"Protocolo: \*(\d+)\*", booked).group(1)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "remarcar 1")
    journey_protocol = conversation_state(rt)[2]["protocol"]
    if give_up == "idle":
        later(hours=1)
        wa.say(MARIA, "oi")
    else:
        wa.say(MARIA, give_up)
    [appointment] = appointments(rt)
    assert appointment.status == "booked" and slot_status(rt, appointment.slot_ref) == "booked"
    assert protocols(rt)[number][1:] == ("agendado", ["aberto", "agendado"])
    expected = {"cancelar": "cancelado", "2a via do boleto": "cancelado", "idle": "expirado"}
    assert protocols(rt)[journey_protocol][1] == expected[give_up]


def test_reschedule_of_an_appointment_cancelled_meanwhile_says_so(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    wa.say(MARIA, "minhas consultas")
    wa.post(MARIA, "Cancelar", extra={"ButtonPayload": f"appt-cancel:{appointment.id}"})
    drain(rt)
    reply = wa.say(MARIA, "remarcar 1")[0]
    assert "Essa consulta não está mais ativa" in reply
    assert conversation_state(rt)[:2] == (None, None)
    assert [a.status for a in appointments(rt)] == ["cancelled"]


# -- item 13: a reminder whose appointment is gone -------------------------------------------
def test_reminder_answer_after_the_appointment_vanished_does_not_crash(wa, rt):
    appointment = _booked_and_reminded(wa, rt)
    with transaction(rt.sessions) as s:
        s.execute(delete(Appointment).where(Appointment.id == appointment.id))
    reply = wa.say(MARIA, "sim")
    assert reply == ["Essa consulta não está mais ativa. Escreva *minhas consultas* para ver as suas consultas."]
    assert conversation_state(rt)[:2] == (None, None)


# -- item 10: the operator's system down while cancelling ------------------------------------
# (polish item 3: the cancellation counts at once and the slot's release is owed; see
# tests/test_scheduling_polish.py for the sweeper making it)
def test_cancel_with_the_registry_down_cancels_and_owes_the_release(wa, rt, monkeypatch):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")

    def down(self, *args):
        raise RegistryUnavailable("operator API timeout")

    monkeypatch.setattr(EmbeddedRegistry, "release_slot", down)
    reply = wa.say(MARIA, "sim")
    assert reply == ["Consulta de Cardiologia de 30/11/2026 às 09:00 cancelada. Protocolo: "
                     f"*{appointments(rt)[0].protocol_number}*."]  # the slot is not free yet
    [appointment] = appointments(rt)
    assert appointment.status == "cancelled" and appointment.release_pending
    assert appointment.reminder_status == "cancelled"
    assert slot_status(rt, appointment.slot_ref) == "booked"
    assert conversation_state(rt)[:2] == (None, None)


def test_reminder_cancel_with_the_registry_down_cancels_and_owes_the_release(wa, rt, monkeypatch):
    _booked_and_reminded(wa, rt)
    monkeypatch.setattr(EmbeddedRegistry, "release_slot",
                        lambda self, *a: (_ for _ in ()).throw(RegistryUnavailable("down")))
    assert "cancelada. Protocolo" in wa.say(MARIA, "cancelar")[0]
    [appointment] = appointments(rt)
    assert appointment.status == "cancelled" and appointment.release_pending
    assert conversation_state(rt)[:2] == (None, None)


def test_reminder_takes_over_a_journey_the_person_left_long_ago(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    wa.say(MARIA, "2a via do boleto")  # started days before, never finished
    left = conversation_state(rt)[2]["protocol"]
    send_reminder_inside_window(rt, appointment)
    assert conversation_state(rt)[:2] == ("minhas_consultas", "reminder_reply")
    assert protocols(rt)[left][1] == "expirado"
    assert wa.say(MARIA, "sim") == ["Presença confirmada para 30/11/2026 às 09:00. Até lá!"]


def test_reminder_leaves_a_journey_in_progress_alone(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    clock.freeze(appointment.reminder_at - timedelta(minutes=5))
    wa.say(MARIA, "2a via do boleto")  # the person is busy with something else right now
    send_reminder_inside_window(rt, appointment)  # 6 minutes later
    assert conversation_state(rt)[0] == "segunda_via"
    assert "Lembrete" in wa.twilio.bodies_to(MARIA)[-1]


# -- round 2, item 6: yes/no with punctuation and a polite tail --------------------------------
@pytest.mark.parametrize("answer", ["Sim.", "sim, pode ser", "Sim!", "ok, pode marcar"])
def test_booking_confirmation_understands_yes_as_people_write_it(wa, rt, answer):
    wa.say(MARIA, "marcar cardiologia semana que vem")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    wa.say(MARIA, "2")
    assert "Consulta agendada!" in wa.say(MARIA, answer)[0]
    assert [a.status for a in appointments(rt)] == ["booked"]


def test_no_with_a_tail_at_the_booking_confirmation_shows_other_slots(wa, rt):
    wa.say(MARIA, "marcar cardiologia semana que vem")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    wa.say(MARIA, "2")
    assert "Horários livres" in wa.say(MARIA, "Não, obrigada.")[0]
    assert conversation_state(rt)[1] == "pick" and appointments(rt) == []


@pytest.mark.parametrize("answer", ["Sim.", "sim, pode ser", "sim, pode cancelar"])
def test_cancel_confirmation_understands_yes_as_people_write_it(wa, rt, answer):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    assert "cancelada" in wa.say(MARIA, answer)[0]
    assert appointments(rt)[0].status == "cancelled"


def test_reminder_understands_sim_with_punctuation(wa, rt):
    _booked_and_reminded(wa, rt)
    assert wa.say(MARIA, "Sim, vou!") == ["Presença confirmada para 30/11/2026 às 09:00. Até lá!"]


# -- round 2, item 7: changing one's mind at the cancellation question -----------------------
@pytest.mark.parametrize("answer", ["nao, na vdd qro remarcar", "remarcar 1", "quero outro horário"])
def test_remarcar_at_the_cancel_question_reschedules_instead(wa, rt, answer):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    reply = wa.say(MARIA, answer)[0]
    assert "Vamos remarcar a consulta de 30/11/2026 às 09:00" in reply
    assert "Horários livres de *Cardiologia*" in reply
    assert conversation_state(rt)[:2] == ("agendamento", "pick")
    wa.say(MARIA, "5")
    assert "Consulta remarcada!" in wa.say(MARIA, "sim")[0]
    assert [a.status for a in appointments(rt)] == ["rescheduled", "booked"]


def test_remarcar_2_at_the_cancel_question_names_the_other_appointment(wa, rt):
    book(wa, pick="2")
    book(wa, pick="3")
    first, second = appointments(rt)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    reply = wa.say(MARIA, "não, quero remarcar a 2")[0]
    assert f"Vamos remarcar a consulta de 30/11/2026 às {second.starts_at:%H:%M}" in reply
    assert conversation_state(rt)[2]["reschedule_id"] == second.id


def test_nao_at_the_cancel_question_keeps_the_appointment(wa, rt):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    assert wa.say(MARIA, "não, deixa") == ["Tudo certo, sua consulta continua marcada."]
    assert appointments(rt)[0].status == "booked"
    assert conversation_state(rt)[:2] == (None, None)


def test_nao_quero_remarcar_is_not_a_reschedule(wa, rt):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    # Neither a reschedule nor a clear yes/no to "cancel it?": asked again.
    assert wa.say(MARIA, "não quero remarcar") == [
        "Responda *sim* para cancelar a consulta ou *não* para mantê-la."]
    assert conversation_state(rt)[:2] == ("minhas_consultas", "confirm_cancel")


def test_remarcar_after_declining_a_reminder_confirms_identity_first(wa, rt):
    _booked_and_reminded(wa, rt)
    assert "Confirma o cancelamento" in wa.say(MARIA, "não")[0]
    ask = wa.say(MARIA, "na verdade quero remarcar")[0]
    assert "Protocolo de atendimento (suas consultas)" in ask and "3 primeiros dígitos" in ask
    assert "Vamos remarcar" in wa.say(MARIA, "116")[0]
    assert appointments(rt)[0].status == "booked"


# -- round 2, item 13: a second bare "cancelar" after "which one?" leaves ---------------------
def test_second_bare_cancelar_after_which_one_ends_the_conversation(wa, rt):
    book(wa, pick="2")
    book(wa, pick="3")
    wa.say(MARIA, "minhas consultas")
    assert "Qual consulta você quer cancelar?" in wa.say(MARIA, "cancelar")[0]
    reply = wa.say(MARIA, "cancelar")
    assert len(reply) == 1 and "encerrei este assunto" in reply[0]
    assert conversation_state(rt)[:2] == (None, None)
    assert [a.status for a in appointments(rt)] == ["booked", "booked"]
