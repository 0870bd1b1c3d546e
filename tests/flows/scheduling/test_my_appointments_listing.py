"""'Minhas consultas': what each appointment shows, and none."""
from __future__ import annotations

from tests.conftest import MARIA, drain
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    protocols,
)


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


def test_my_appointments_shows_a_dependents_appointment_booked_from_their_own_phone(wa, rt):
    from tests.conftest import UNKNOWN

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

