""""preciso remarcar a consulta do cardio pra sexta de manha", "cancela a consulta de
sexta" (issue 11): with one appointment, or one matching what the message names, the
action and the new date in the message are used — never "Responda cancelar ou remarcar"
again, never "(1 a 1)". Through the signed webhook; today is Tuesday 24/11/2026."""
from __future__ import annotations

from tests.conftest import MARIA
from tests.scheduling_support import appointments, book, conversation_state

ASK_ACTION = "Responda *cancelar* ou *remarcar*"


def _book_pediatrics_for_joao(wa) -> None:
    wa.say(MARIA, "marcar pediatra")
    wa.say(MARIA, "2")  # João Pedro
    wa.say(MARIA, "1")
    assert "Consulta agendada!" in wa.say(MARIA, "sim")[0]


def test_reschedule_with_the_new_date_in_the_first_message(wa, rt):
    assert "30/11/2026 às 09:00" in book(wa)  # Monday
    reply = "\n".join(wa.say(MARIA, "preciso remarcar a consulta do cardio pra sexta de manha"))
    assert ASK_ACTION not in reply and "(1 a 1)" not in reply
    assert "Vamos remarcar a consulta de 30/11/2026 às 09:00" in reply
    assert "Horários livres de *Cardiologia* em Campo Grande de manhã" in reply
    assert "Sexta-feira, 27/11/2026" in reply and "14:" not in reply  # Friday morning only
    assert "Confira os dados" in wa.say(MARIA, "1")[0]
    assert "remarcada" in wa.say(MARIA, "sim")[0].lower()
    [old, new] = appointments(rt)
    assert old.status != "booked" and new.status == "booked"
    assert new.starts_at.date().isoformat() == "2026-11-27" and new.starts_at.hour < 12


def test_reschedule_with_the_new_date_answering_the_list_of_one(wa):
    book(wa)
    assert ASK_ACTION in wa.say(MARIA, "minhas consultas")[0]
    reply = "\n".join(wa.say(MARIA, "remarcar pra sexta de manha"))
    assert "(1 a 1)" not in reply and "Responda com *cancelar*" not in reply
    assert "Horários livres de *Cardiologia* em Campo Grande de manhã" in reply
    assert "Sexta-feira, 27/11/2026" in reply


def test_the_specialty_named_picks_the_appointment_among_several(wa, rt):
    book(wa)  # cardiology for Maria
    _book_pediatrics_for_joao(wa)
    reply = "\n".join(wa.say(MARIA, "preciso remarcar a consulta do cardio pra sexta de manha"))
    assert "Vamos remarcar a consulta de 30/11/2026 às 09:00" in reply
    assert "Cardiologia" in reply and "Sexta-feira, 27/11/2026" in reply
    assert conversation_state(rt)[2]["specialty"] == "cardiologia"


def test_cancel_the_appointment_named_by_its_day(wa, rt):
    assert "27/11/2026" in book(wa, when="sexta")
    [reply] = wa.say(MARIA, "cancela a consulta de sexta")
    assert "\n\nConfirma o cancelamento da consulta de Cardiologia" in reply
    assert "27/11/2026" in reply and ASK_ACTION not in reply
    assert "cancelada" in wa.say(MARIA, "sim")[0]
    assert [a.status for a in appointments(rt)] == ["cancelled"]


def test_a_day_no_appointment_is_on_lists_them_and_cancels_nothing(wa, rt):
    book(wa)  # Monday
    reply = "\n".join(wa.say(MARIA, "cancela a consulta de sexta"))
    assert "Sua próxima consulta" in reply and "Confirma o cancelamento" not in reply
    assert [a.status for a in appointments(rt)] == ["booked"]


def test_a_new_date_that_does_not_exist_is_named_and_asked_again(wa, rt):
    book(wa)
    reply = "\n".join(wa.say(MARIA, "quero remarcar minha consulta pra dia 30/02"))
    assert "30/02 não existe no calendário" in reply and "Horários livres" not in reply
    assert "Horários livres de *Cardiologia*" in wa.say(MARIA, "dia 10/12")[0]


def test_a_bad_answer_about_one_appointment_never_says_1_a_1(wa):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    [reply] = wa.say(MARIA, "hmm")
    assert "(1 a 1)" not in reply and ASK_ACTION in reply
