"""Agendamento end to end through the signed webhook, plus the booking race on the DB."""
from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select

from bot.pipeline import sweep
from bot.platform import clock
from bot.registry.base import SlotTaken
from bot.registry.embedded import EmbeddedRegistry
from storage.db import transaction
from storage.models import Appointment, Conversation, OutboundMessage, Protocol, Slot
from tests.conftest import JOSE, MARIA, drain


def _appointments(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Appointment).order_by(Appointment.id)))


def _state(rt, phone=MARIA):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        return c.flow, c.state, dict(c.data)


def test_happy_path_in_five_messages(wa, rt):
    messages = ["Quero marcar uma consulta com cardiologista semana que vem", "116", "1", "3", "sim"]
    replies = [wa.say(MARIA, m)[0] for m in messages]
    assert "Protocolo de atendimento (agendamento de consulta)" in replies[0]
    assert "Para quem é a consulta?" in replies[1] and "João Pedro da Silva" in replies[1]
    assert "Horários livres de *Cardiologia* em Campo Grande" in replies[2]  # own city offered
    assert "Confira os dados da consulta" in replies[3] and "05/03/1980" in replies[3]
    booked = replies[4]
    assert "Consulta agendada!" in booked and "Dr. " in booked
    assert "https://www.google.com/maps/search/" in booked
    number = re.search(r"Protocolo: \*(\d+)\*", booked).group(1)
    [appointment] = _appointments(rt)
    assert appointment.patient_ref == "B001" and appointment.protocol_number == number
    assert appointment.reminder_status == "pending"
    with transaction(rt.sessions) as s:
        assert s.get(Slot, int(appointment.slot_ref)).status == "booked"
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert protocol.status == "agendado"


def test_booking_for_a_dependent_with_who_and_specialty_in_one_answer(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    results = wa.say(MARIA, "João, pediatra")[0]
    assert "Horários livres de *Pediatria*" in results
    confirm = wa.say(MARIA, "1")[0]
    assert "Paciente: *João Pedro da Silva*" in confirm and "21/08/2015" in confirm
    assert "Consulta agendada!" in wa.say(MARIA, "sim")[0]
    [appointment] = _appointments(rt)
    assert appointment.patient_ref == "B002" and appointment.booked_by_ref == "B001"


def test_other_city_and_date_filters(wa):
    wa.say(JOSE, "marcar ortopedista")
    results = wa.say(JOSE, "682")[0]
    assert "em Dourados" in results  # José lives in Dourados
    wednesday = wa.say(JOSE, "em campo grande")[0]
    assert "em Campo Grande" in wednesday


def test_no_slot_within_the_ans_deadline_opens_a_guarantee_protocol(wa, rt):
    wa.say(JOSE, "preciso de endocrinologista em campo grande")
    reply = wa.say(JOSE, "682")[0]
    assert "prazo de atendimento garantido pela ANS" in reply
    number = re.search(r"Seu protocolo \*(\d+)\* agora é de garantia de atendimento", reply).group(1)
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert protocol.journey == "garantia_atendimento" and protocol.status == "encaminhado"
        deadline = date.fromisoformat(protocol.details["deadline"])
        assert (deadline - clock.today()).days >= 14  # 14 business days for "other" specialties
        conversation = s.scalars(select(Conversation).where(Conversation.address == JOSE)).one()
        assert conversation.handoff == "waiting" and number in conversation.handoff_reason


def test_bad_inputs_get_help_and_keep_the_state(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    before = _state(rt)
    assert "Não reconheci essa especialidade" in wa.say(MARIA, "astrologia")[0]
    assert _state(rt) == before
    wa.say(MARIA, "cardiologia")
    before = _state(rt)
    past = wa.say(MARIA, "10/01/2020")[0]
    assert "Essa data já passou" in past
    assert _state(rt)[:2] == before[:2]
    assert "Responda com um número de 1 a 8" in wa.say(MARIA, "42")[0]
    assert _state(rt)[:2] == before[:2]


def test_unknown_specialty_keeps_the_question(wa, rt):
    wa.say(JOSE, "marcar consulta")
    wa.say(JOSE, "682")
    before = _state(rt, JOSE)
    assert "Não reconheci essa especialidade" in wa.say(JOSE, "astrologia")[0]
    assert _state(rt, JOSE) == before


def test_more_pages_and_other_date_goes_back_one_step(wa, rt):
    wa.say(MARIA, "marcar clínico geral")
    wa.say(MARIA, "116")
    first = wa.say(MARIA, "eu")[0]
    more = wa.say(MARIA, "mais")[0]
    assert re.findall(r"^\d\. (\d\d:\d\d)", first, re.M) and first != more
    ask = wa.say(MARIA, "outra data")[0]
    assert "Para qual data?" in ask
    target = clock.today() + timedelta(days=14)
    while target.weekday() >= 5:
        target += timedelta(days=1)
    later = wa.say(MARIA, f"a partir de {target:%d/%m}")[0]
    assert f"{target:%d/%m/%Y}" in later


def test_interactive_list_when_content_templates_are_configured(wa, rt, twilio):
    rt.settings = replace(rt.settings, content_list_sid="HXlist", content_buttons_sid="HXbuttons")
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    sent = twilio.created[-1]
    assert sent["ContentSid"] == "HXlist"
    variables = json.loads(sent["ContentVariables"])
    assert variables["2"].startswith("slot:") and len(variables["3"]) <= 24
    wa.post(MARIA, variables["3"], extra={"ListId": variables["2"], "ListTitle": variables["3"]})
    drain(rt)
    assert twilio.created[-1]["ContentSid"] == "HXbuttons"
    wa.post(MARIA, "Confirmar", extra={"ButtonPayload": "confirm:yes"})
    drain(rt)
    assert "Consulta agendada!" in twilio.bodies_to(MARIA)[-1]
    assert _appointments(rt)[0].slot_ref == variables["2"].split(":")[1]


def _slot_ref(rt, specialty="cardiologia", city="Campo Grande"):
    from bot.registry.base import SlotQuery

    with transaction(rt.sessions) as s:
        return EmbeddedRegistry(rt.sessions).bind(s).search_slots(
            SlotQuery(specialty=specialty, city=city, limit=1))[0].ref


def test_two_concurrent_bookers_exactly_one_wins(rt):
    slot_ref = _slot_ref(rt)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def book(who: str):
        try:
            with transaction(rt.sessions) as s:
                registry = EmbeddedRegistry(rt.sessions).bind(s)
                barrier.wait(timeout=10)
                registry.book_slot(slot_ref, who, f"key-{who}")
            results.append("booked")
        except SlotTaken:
            results.append("taken")

    threads = [threading.Thread(target=book, args=(who,)) for who in ("B001", "B010")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booked", "taken"]


def test_second_person_choosing_a_taken_slot_is_offered_the_next(wa, rt):
    wa.say(MARIA, "marcar cardiologia em campo grande")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    wa.say(MARIA, "1")  # Maria is at the confirmation of slot 1...
    wa.say(JOSE, "marcar cardiologia em campo grande")
    wa.say(JOSE, "682")
    wa.say(JOSE, "1")  # ...José picks the same slot and confirms first
    assert "Consulta agendada!" in wa.say(JOSE, "sim")[0]
    late = wa.say(MARIA, "sim")[0]
    assert "acabou de ser reservado" in late and "Horários livres" in late
    assert len(_appointments(rt)) == 1


def _book(wa, phone=MARIA, cpf3="116"):
    wa.say(phone, "marcar cardiologia semana que vem")
    wa.say(phone, cpf3)
    if phone == MARIA:
        wa.say(phone, "1")
    wa.say(phone, "2")
    return wa.say(phone, "sim")[0]


def test_reminder_outside_the_window_goes_as_an_approved_template(wa, rt, twilio):
    rt.settings = replace(rt.settings, content_reminder_sid="HXreminder")
    _book(wa)
    [appointment] = _appointments(rt)
    clock.freeze(appointment.reminder_at + timedelta(minutes=1))
    if clock.now() - timedelta(hours=24) < appointment.created_at:
        with transaction(rt.sessions) as s:  # make sure the 24 h window has closed
            c = s.scalars(select(Conversation)).one()
            c.last_inbound_at = clock.now() - timedelta(hours=25)
    rt.redis.flushdb()  # the scheduled job is lost: the sweeper is the backstop
    sweep.sweep(reschedule=False)
    drain(rt)
    sent = twilio.created[-1]
    assert sent["ContentSid"] == "HXreminder" and "Body" not in sent
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Maria" and variables["6"] == f"appt-confirm:{appointment.id}"
    assert _appointments(rt)[0].reminder_status == "queued"
    sweep.sweep(reschedule=False)
    drain(rt)
    assert sum(1 for m in twilio.created if m.get("ContentSid") == "HXreminder") == 1
    wa.post(MARIA, "Confirmar", extra={"ButtonPayload": f"appt-confirm:{appointment.id}"})
    drain(rt)
    assert "Presença confirmada" in twilio.bodies_to(MARIA)[-1]
    assert _appointments(rt)[0].confirmed_at is not None


def test_reminder_without_template_outside_window_is_not_sent_as_free_text(wa, rt, twilio):
    _book(wa)
    [appointment] = _appointments(rt)
    with transaction(rt.sessions) as s:
        s.scalars(select(Conversation)).one().last_inbound_at = appointment.reminder_at - timedelta(hours=30)
    clock.freeze(appointment.reminder_at + timedelta(minutes=1))
    before = len(twilio.created)
    from bot.flows.scheduling.appointments import send_reminder

    send_reminder(appointment.id)
    drain(rt)
    assert len(twilio.created) == before
    assert _appointments(rt)[0].reminder_status == "skipped"
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
        assert row.status == "skipped" and "24 h" in row.error_message


def test_reminder_inside_the_window_is_free_text_and_sim_confirms(wa, rt, twilio):
    _book(wa)
    [appointment] = _appointments(rt)
    from bot.flows.scheduling.appointments import send_reminder

    clock.freeze(appointment.reminder_at + timedelta(minutes=1))
    with transaction(rt.sessions) as s:
        s.scalars(select(Conversation)).one().last_inbound_at = clock.now() - timedelta(hours=1)
    send_reminder(appointment.id)
    drain(rt)
    assert "Lembrete" in twilio.bodies_to(MARIA)[-1]
    assert "Presença confirmada" in wa.say(MARIA, "sim")[0]


def test_cancel_frees_the_slot_and_its_reminder_is_not_sent(wa, rt, twilio):
    _book(wa)
    listing = wa.say(MARIA, "minhas consultas")[0]
    assert "Sua próxima consulta:" in listing
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancelar 1")[0]
    assert "cancelada" in wa.say(MARIA, "sim")[0]
    [appointment] = _appointments(rt)
    assert appointment.status == "cancelled" and appointment.reminder_status == "cancelled"
    with transaction(rt.sessions) as s:
        assert s.get(Slot, int(appointment.slot_ref)).status == "free"
    from bot.flows.scheduling.appointments import send_reminder

    clock.freeze(appointment.reminder_at + timedelta(minutes=1))
    before = len(twilio.created)
    assert send_reminder(appointment.id) is False
    drain(rt)
    assert len(twilio.created) == before


def test_reschedule_keeps_the_protocol_history(wa, rt):
    booked = _book(wa)
    number = re.search(r"Protocolo: \*(\d+)\*", booked).group(1)
    wa.say(MARIA, "minhas consultas")
    results = wa.say(MARIA, "remarcar 1")[0]
    assert "Vamos remarcar" in results and "Horários livres" in results
    wa.say(MARIA, "5")
    done = wa.say(MARIA, "sim")[0]
    assert "Consulta remarcada!" in done and number in done
    old, new = _appointments(rt)
    assert old.status == "rescheduled" and old.replaced_by_id == new.id
    assert new.status == "booked" and new.protocol_number == number
    with transaction(rt.sessions) as s:
        assert s.get(Slot, int(old.slot_ref)).status == "free"
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert [e.status for e in protocol.events] == ["aberto", "agendado", "remarcado"]


def test_poison_message_gets_an_apology_after_three_attempts(wa, rt, twilio, monkeypatch):
    from bot import engine

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(engine, "handle", broken)
    wa.post(MARIA, "oi")
    for _ in range(3):
        sweep.sweep(reschedule=False)
        drain(rt)
    assert "tive um problema" in twilio.bodies_to(MARIA)[-1]
    assert "Traceback" not in twilio.bodies_to(MARIA)[-1]


def test_optional_professional_filter(wa):
    wa.say(MARIA, "marcar cardiologia com a dra. Okamoto")
    wa.say(MARIA, "116")
    results = wa.say(MARIA, "eu")[0]
    assert "Dra. Lúcia Okamoto" in results and "Dr. Ricardo Tavares" not in results
    wa.say(MARIA, "menu")
    wa.say(MARIA, "marcar cardiologia com dr. Fulano")
    results = wa.say(MARIA, "eu")[0]
    assert "Não encontrei horários livres com Fulano" in results and "Horários livres" in results
