"""Scheduling journey polish (issue #3), through the signed webhook: command words that
answer a state's own question, specialties outside the network, owed slot releases,
"minhas consultas", reminder buttons after idle expiry, and more date phrasings."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import responses

from bot.flows.scheduling.cities import named_place
from bot.language.dates import parse_date_request, parse_day_period
from bot.pipeline import sweep
from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from bot.registry.http import HttpRegistry
from storage.db import transaction
from storage.models import Slot

from .conftest import MARIA, drain
from .scheduling_support import (
    appointments,
    book,
    conversation_state,
    later,
    protocols,
    send_reminder_inside_window,
    slot_status,
)


# -- item 1: "cancelar" / "sim" at "Confirma o cancelamento?" confirm it ---------------------
@pytest.mark.parametrize("answer", ["cancelar", "Cancela", "desmarcar", "pode cancelar"])
def test_cancel_words_at_the_cancel_question_cancel_the_appointment(wa, rt, answer):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancelar 1")[0]
    reply = wa.say(MARIA, answer)
    assert len(reply) == 1 and "cancelada. O horário foi liberado" in reply[0], reply
    [appointment] = appointments(rt)
    assert appointment.status == "cancelled" and slot_status(rt, appointment.slot_ref) == "free"
    assert conversation_state(rt)[:2] == (None, None)


def test_cancelar_after_declining_a_reminder_cancels_the_appointment(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    send_reminder_inside_window(rt, appointment)
    assert "Confirma o cancelamento" in wa.say(MARIA, "não vou")[0]
    reply = wa.say(MARIA, "cancelar")
    assert len(reply) == 1 and "cancelada. O horário foi liberado" in reply[0], reply
    assert appointments(rt)[0].status == "cancelled"
    assert protocols(rt)[appointment.protocol_number][1] == "cancelado"


@pytest.mark.parametrize("answer", ["sair", "tchau"])
def test_leaving_words_at_the_cancel_question_keep_the_appointment(wa, rt, answer):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    wa.say(MARIA, answer)
    assert appointments(rt)[0].status == "booked"
    assert conversation_state(rt)[:2] == (None, None)


def test_cancela_with_a_number_in_the_list_asks_to_confirm(wa, rt):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancela 1")[0]


# -- item 2: care the journey cannot book ----------------------------------------------------
SCHEDULABLE = ("Cardiologia, Cirurgia Geral, Clínica Médica, Dermatologia, Endocrinologia, "
               "Ginecologia e Obstetrícia, Neurologia, Odontologia, Oftalmologia, "
               "Ortopedia e Traumatologia, Otorrinolaringologia, Pediatria, Psiquiatria, "
               "Urologia")


def _outside(area: str, lower: str | None = None) -> str:
    return (f"{area} eu ainda não agendo por aqui. Pelo WhatsApp eu marco consultas de: "
            f"{SCHEDULABLE}.\nPara {lower or area.lower()}, digite *atendente* para falar com a "
            "nossa equipe ou ligue para (67) 3314-1010. Se for uma das especialidades acima, é "
            "só dizer qual.")


@pytest.mark.parametrize("words, area", [
    ("marcar psicólogo", "Psicologia"), ("quero nutricionista", "Nutrição"),
    ("fisioterapia", "Fisioterapia"), ("agendar consulta com fonoaudióloga", "Fonoaudiologia"),
    ("preciso de um nefrologista", "Nefrologia"),
])
def test_care_outside_the_catalogue_is_said_at_once_without_a_protocol(wa, rt, words, area):
    assert wa.say(MARIA, words) == [_outside(area)]
    assert conversation_state(rt)[:2] == (None, None)
    assert protocols(rt) == {}  # nothing was started: no protocol, no identity check


def test_exams_are_pointed_to_a_person(wa, rt):
    [reply] = wa.say(MARIA, "marcar exame de sangue")
    assert reply.startswith("Exames eu ainda não agendo por aqui.") and "Para exames, digite *atendente*" in reply
    assert protocols(rt) == {}


def test_care_outside_the_catalogue_while_asked_the_specialty_keeps_the_question(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    assert "Qual especialidade" in wa.say(MARIA, "eu")[0]
    before = conversation_state(rt)
    assert wa.say(MARIA, "psicóloga") == [_outside("Psicologia")]
    assert conversation_state(rt) == before
    assert wa.say(MARIA, "nutricionista") == [_outside("Nutrição")]  # never counted as confusion
    assert "Horários livres de *Cardiologia*" in wa.say(MARIA, "cardiologita")[0]  # a typo still works


def test_care_outside_the_catalogue_with_other_answers_keeps_them(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    assert wa.say(MARIA, "João, fisioterapeuta em Dourados") == [_outside("Fisioterapia")]
    data = conversation_state(rt)[2]
    assert data["patient"] != data["family"][0]["ref"] and data["city"] == ["Dourados", "MS"]
    assert "Horários livres de *Pediatria* em Dourados" in wa.say(MARIA, "pediatra")[0]


def test_care_outside_the_catalogue_at_the_list_keeps_the_list(wa, rt):
    wa.say(MARIA, "marcar cardiologia semana que vem")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    before = conversation_state(rt)
    assert wa.say(MARIA, "e fisioterapia?") == [_outside("Fisioterapia")]
    assert conversation_state(rt) == before
    assert "Confira os dados da consulta" in wa.say(MARIA, "1")[0]


def test_asking_for_care_outside_the_catalogue_in_another_journey_keeps_it(wa, rt):
    wa.say(MARIA, "2a via do boleto")
    wa.say(MARIA, "116")
    before = conversation_state(rt)
    reply = wa.say(MARIA, "quero agendar fisioterapia")[0]
    busy = _outside("Fisioterapia").replace(
        "Se for uma das especialidades acima, é só dizer qual.",
        "Para marcar uma dessas especialidades, escreva *marcar consulta* quando terminar o "
        "assunto atual.")
    # The hint names a month of the list (issue 11): the newest one, listed first.
    assert reply == busy + ("\n\nNão encontrei esse boleto. Responda com um número de 1 a 4 "
                            "(ou vários, ex.: \"1 e 2\") ou com o mês (ex.: \"novembro\" ou "
                            "\"11/2026\"), ou \"o vencido\".")
    assert conversation_state(rt)[:3] == before[:3]


# -- item 3: releases owed while the operator's system is down --------------------------------
def _registry_down(self, *args):
    raise RegistryUnavailable("operator API timeout")


def _cancel_while_down(wa, rt, monkeypatch, number="1") -> None:
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, f"cancelar {number}")
    monkeypatch.setattr(EmbeddedRegistry, "release_slot", _registry_down)
    assert "cancelada. Protocolo" in wa.say(MARIA, "sim")[0]
    monkeypatch.undo()


def test_a_release_owed_by_a_cancellation_is_made_by_the_sweeper_once(wa, rt, monkeypatch):
    book(wa)
    _cancel_while_down(wa, rt, monkeypatch)
    [appointment] = appointments(rt)
    monkeypatch.setattr(EmbeddedRegistry, "release_slot", _registry_down)
    sweep.sweep(reschedule=False)  # still down: still owed
    assert appointments(rt)[0].release_pending and slot_status(rt, appointment.slot_ref) == "booked"
    monkeypatch.undo()
    calls = []
    original = EmbeddedRegistry.release_slot
    monkeypatch.setattr(EmbeddedRegistry, "release_slot",
                        lambda self, *a: calls.append(a) or original(self, *a))
    sweep.sweep(reschedule=False)
    sweep.sweep(reschedule=False)  # nothing owed any more: no second release
    assert calls == [(appointment.slot_ref, appointment.booking_key)]
    assert slot_status(rt, appointment.slot_ref) == "free" and not appointments(rt)[0].release_pending
    assert "Consulta agendada!" in book(wa)  # the same choice: the freed slot, booked again
    assert appointments(rt)[1].slot_ref == appointment.slot_ref


def test_an_owed_release_never_frees_a_slot_booked_by_someone_else_since(wa, rt, monkeypatch):
    book(wa)
    _cancel_while_down(wa, rt, monkeypatch)
    [appointment] = appointments(rt)
    with transaction(rt.sessions) as s:  # the operator's staff freed it; someone else booked it
        slot = s.get(Slot, int(appointment.slot_ref))
        slot.status, slot.booking_ref = "booked", "someone-elses-booking"
    sweep.sweep(reschedule=False)
    with transaction(rt.sessions) as s:
        slot = s.get(Slot, int(appointment.slot_ref))
        assert (slot.status, slot.booking_ref) == ("booked", "someone-elses-booking")
    assert not appointments(rt)[0].release_pending  # nothing of ours left to free


def test_one_release_the_operator_refuses_does_not_hold_up_the_others(wa, rt, monkeypatch):
    book(wa, pick="2")
    book(wa, pick="3")
    _cancel_while_down(wa, rt, monkeypatch, "1")
    _cancel_while_down(wa, rt, monkeypatch, "1")  # the other one is now first in the list
    first, second = appointments(rt)
    assert first.release_pending and second.release_pending
    original = EmbeddedRegistry.release_slot

    def refuses_the_first(self, slot_ref, key):
        if slot_ref == first.slot_ref:
            raise ValueError("DELETE /slots/x/booking: HTTP 400 bad request")
        return original(self, slot_ref, key)

    monkeypatch.setattr(EmbeddedRegistry, "release_slot", refuses_the_first)
    sweep.sweep(reschedule=False)
    assert [a.release_pending for a in appointments(rt)] == [True, False]
    assert slot_status(rt, second.slot_ref) == "free"
    monkeypatch.undo()
    sweep.sweep(reschedule=False)  # retried on the next sweep
    assert [a.release_pending for a in appointments(rt)] == [False, False]
    assert slot_status(rt, first.slot_ref) == "free"


API = "https://erp.operadora.example/api/v1"


def test_the_operator_api_release_names_the_booking_it_frees():
    with responses.RequestsMock() as api:
        api.delete(f"{API}/slots/S1/booking", status=204, match=[
            responses.matchers.query_param_matcher({"booking_key": "conv1-msgSM7"}),
            responses.matchers.header_matcher({"Idempotency-Key": "conv1-msgSM7:release"})])
        HttpRegistry(API, "t").release_slot("S1", "conv1-msgSM7")
        assert len(api.calls) == 1


@pytest.mark.parametrize("status", [404, 409])
def test_the_operator_api_release_of_a_slot_no_longer_ours_is_done(status):
    with responses.RequestsMock() as api:
        api.delete(f"{API}/slots/S1/booking", status=status)
        HttpRegistry(API, "t").release_slot("S1", "k")  # nothing to free: no error, not owed


# -- item 4: "minhas consultas" ------------------------------------------------------------------
def _entry(number: int, a, patient: bool) -> str:
    p = a.provider
    weekday = {0: "Segunda-feira", 1: "Terça-feira", 2: "Quarta-feira", 3: "Quinta-feira",
               4: "Sexta-feira", 5: "Sábado", 6: "Domingo"}[a.starts_at.weekday()]
    text = (f"{number}. *{weekday}, {a.starts_at:%d/%m/%Y} às {a.starts_at:%H:%M}*\n"
            f"Cardiologia com {p['professional']}\n"
            f"{p['name']} – {p['address']}, {p['city']}/{p['state']}")
    return text + (f"\nPaciente: {a.patient_name}" if patient else "")


def test_my_appointments_lists_day_time_professional_address_and_the_dependent(wa, rt):
    book(wa, pick="2")
    book(wa, pick="3", patient="2")  # for her son João
    mine, his = appointments(rt)
    [listing] = wa.say(MARIA, "minhas consultas")
    protocol = conversation_state(rt)[2]["protocol"]
    assert listing == (
        f"Protocolo de atendimento (suas consultas): *{protocol}*\n\n"
        "Suas próximas consultas (2):\n\n"
        f"{_entry(1, mine, patient=False)}\n\n{_entry(2, his, patient=True)}\n\n"
        "Para cancelar ou remarcar, responda com a ação e o número, por exemplo: "
        "*cancelar 1* ou *remarcar 2*.")
    assert "Segunda-feira, 30/11/2026" in listing and "Paciente: João" in listing
    assert "Vamos remarcar a consulta de 30/11/2026" in wa.say(MARIA, "remarcar 2")[0]
    assert conversation_state(rt)[2]["reschedule_id"] == his.id


def test_my_appointments_with_one_appointment_offers_both_actions(wa, rt):
    book(wa)
    [mine] = appointments(rt)
    [listing] = wa.say(MARIA, "minhas consultas")
    assert listing.endswith(f"Sua próxima consulta:\n\n{_entry(1, mine, patient=False)}\n\n"
                            "Responda *cancelar* ou *remarcar*.")
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancelar")[0]


def test_no_appointments_says_so_and_offers_to_schedule(wa, rt):
    wa.say(MARIA, "minhas consultas")
    [reply] = wa.say(MARIA, "116")
    assert reply == ("Você não tem consultas marcadas a partir de hoje. Quer agendar uma? É só "
                     "dizer a especialidade (por exemplo, *cardiologia*) ou escrever *marcar "
                     "consulta*.")
    assert conversation_state(rt)[:2] == (None, None)
    # The identity was just confirmed: naming a specialty goes straight to the form.
    reply = wa.say(MARIA, "cardiologia")[0]
    assert "Protocolo de atendimento (agendamento de consulta)" in reply
    assert "Para quem é a consulta?" in reply and "3 primeiros dígitos" not in reply


# -- item 5: reminder answers after the session expired -----------------------------------------
def _two_reminded(wa, rt):
    """Maria's and her son João's appointments the same morning, both reminded."""
    book(wa, pick="2")
    book(wa, pick="3", patient="2")
    mine, his = appointments(rt)
    send_reminder_inside_window(rt, mine)
    send_reminder_inside_window(rt, his)
    return mine, his


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


def test_a_cancel_button_while_choosing_in_my_appointments_closes_that_question(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "cancelar 1")
    journey = conversation_state(rt)[2]["protocol"]
    wa.post(MARIA, "Cancelar", extra={"ButtonPayload": f"appt-cancel:{appointment.id}"})
    drain(rt)
    assert "cancelada" in wa.twilio.bodies_to(MARIA)[-1]
    assert conversation_state(rt)[:2] == (None, None)
    assert protocols(rt)[journey][1] == "concluido"


# -- item 6: distances, clock times, weekdays -----------------------------------------------------
def _results_for(wa, text: str) -> str:
    wa.say(MARIA, text)
    wa.say(MARIA, "116")
    return wa.say(MARIA, "eu")[0]


def _days_shown(reply: str) -> list[date]:
    return [datetime.strptime(d, "%d/%m/%Y").date()
            for d in re.findall(r"^\*[^,*]+, (\d\d/\d\d/\d{4})\*$", reply, re.M)]


def _times_shown(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) –", reply, re.M)


# Today is Tuesday 24/11/2026.
@pytest.mark.parametrize("words, first, last", [
    ("daqui a 2 semanas", date(2026, 12, 8), None),
    ("daqui a uma semana", date(2026, 12, 1), None),
    ("em 15 dias", date(2026, 12, 9), date(2026, 12, 9)),
    ("dentro de 2 semanas", date(2026, 11, 25), date(2026, 12, 8)),
    ("próxima segunda", date(2026, 11, 30), date(2026, 11, 30)),
    ("na segunda que vem", date(2026, 11, 30), date(2026, 11, 30)),
])
def test_distances_and_weekdays_as_people_write_them(wa, rt, words, first, last):
    reply = _results_for(wa, f"marcar cardiologia {words}")
    days = _days_shown(reply)
    assert days and days[0] == first, reply
    assert all(first <= d <= (last or date.max) for d in days), reply
    assert conversation_state(rt)[3] is None  # a wish, not an ANS case


def test_after_four_pm_shows_only_those_slots(wa, rt):
    reply = _results_for(wa, "marcar cardiologia depois das 16h")
    assert "Horários livres de *Cardiologia* em Campo Grande a partir das 16h:" in reply
    times = _times_shown(reply)
    assert times and all(t >= "16:00" for t in times), reply
    assert conversation_state(rt)[2]["period"] == "16:00-24:00"


def test_friday_after_four_pm_is_that_friday_not_from_saturday_on(wa):
    reply = _results_for(wa, "marcar cardio sexta depois das 16h")
    assert _days_shown(reply) == [date(2026, 11, 27)], reply
    assert all(t >= "16:00" for t in _times_shown(reply))


def test_before_ten_and_the_afternoon_in_other_words(wa):
    times = _times_shown(_results_for(wa, "marcar cardiologia antes das 10h"))
    assert times and all(t < "10:00" for t in times)
    times = _times_shown(wa.say(MARIA, "entre 2 e 4 da tarde")[0])  # at the list: searches again
    assert times and all("14:00" <= t < "16:00" for t in times), times


def test_a_clock_time_without_slots_says_so_and_shows_the_others(wa, rt):
    reply = _results_for(wa, "marcar dermatologia depois das 16h")  # mornings only
    assert "Não encontrei horários a partir das 16h em Campo Grande" in reply
    assert _times_shown(reply) and "period" not in conversation_state(rt)[2]


@pytest.mark.parametrize("text, period", [
    ("depois das 16h", "16:00-24:00"), ("após as 14:30", "14:30-24:00"),
    ("a partir das 15 horas", "15:00-24:00"), ("antes das 10h", "00:00-10:00"),
    ("até as 9h", "00:00-09:00"), ("entre 14h e 16h", "14:00-16:00"),
    ("às 15h", "15:00-16:00"), ("depois das 4 da tarde", "16:00-24:00"),
    ("de manhã", "manha"), ("à tarde", "tarde"), ("dia 16", None), ("16/12", None),
    ("daqui a 2 semanas", None),
])
def test_parse_day_period_with_clock_times(text, period):
    assert parse_day_period(text) == period


@pytest.mark.parametrize("text, start, end", [
    ("daqui a 2 semanas", date(2026, 12, 8), None), ("daqui 15 dias", date(2026, 12, 9), date(2026, 12, 9)),
    ("em duas semanas", date(2026, 12, 8), None), ("daqui a um mês", date(2026, 12, 24), None),
    ("dentro de 2 semanas", date(2026, 11, 24), date(2026, 12, 8)),
    ("depois das 16h", None, None), ("sexta depois das 16h", date(2026, 11, 27), date(2026, 11, 27)),
    ("até as 10h", None, None), ("próxima segunda", date(2026, 11, 30), date(2026, 11, 30)),
])
def test_parse_distances_and_clock_times_are_not_dates(text, start, end):
    wanted = parse_date_request(text, date(2026, 11, 24))
    if start is None:
        assert wanted is None
    else:
        assert (wanted.start, wanted.end) == (start, end)


def test_a_distance_in_weeks_names_no_city():
    assert named_place("marcar cardio em duas semanas") is None
    assert named_place("em Três Lagoas daqui a 15 dias") == "tres lagoas"


def test_care_outside_the_catalogue_while_asked_who_asks_who_again(wa, rt):
    wa.say(MARIA, "marcar consulta")
    ask = wa.say(MARIA, "116")[0]
    assert ask.startswith("Para quem é a consulta? E qual a especialidade?")
    before = conversation_state(rt)
    assert wa.say(MARIA, "psicólogo") == [_outside("Psicologia") + "\n\n" + ask]
    assert conversation_state(rt) == before


def test_my_appointments_shows_a_dependents_appointment_booked_from_their_own_phone(wa, rt):
    from .conftest import UNKNOWN

    wa.say(UNKNOWN, "marcar cardiologia semana que vem")
    wa.say(UNKNOWN, "943.024.027-76")
    results = wa.say(UNKNOWN, "21/08/2015")[0]
    assert "Horários livres de *Cardiologia*" in results, results
    wa.say(UNKNOWN, "3")
    assert "Consulta agendada!" in wa.say(UNKNOWN, "sim")[0]
    [his] = appointments(rt)
    assert his.patient_name == "João Pedro da Silva" and his.booked_by_ref == his.patient_ref
    wa.say(MARIA, "minhas consultas")
    listing = wa.say(MARIA, "116")[0]
    assert _entry(1, his, patient=True) in listing
    assert "Confirma o cancelamento da consulta de Cardiologia de João Pedro da Silva" in wa.say(MARIA, "cancelar")[0]


# -- item 7: who the appointment is for is a choice too (list-picker when configured) -----------
def test_who_is_asked_with_a_list_picker_when_configured(wa, rt, twilio):
    import json
    from dataclasses import replace

    rt.settings = replace(rt.settings, content_list_sid="HXlist", content_buttons_sid="HXbuttons")
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    sent = twilio.created[-1]
    assert sent["ContentSid"] == "HXlist"
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Para quem é a consulta? Escolha na lista."
    assert [variables["2"], variables["3"], variables["4"]] == [
        "patient:B001", "Maria Aparecida da Silva", "Você"]
    assert [variables["5"], variables["6"], variables["7"]] == [
        "patient:B002", "João Pedro da Silva", "Dependente"]
    wa.post(MARIA, "João Pedro da Silva", extra={"ListId": "patient:B002",
                                                  "ListTitle": "João Pedro da Silva"})
    drain(rt)
    assert conversation_state(rt)[2]["patient"] == "B002"
    assert twilio.created[-1]["ContentSid"] == "HXlist"  # the slots, next
