"""'Minhas consultas' with several appointments through the signed webhook: a WhatsApp
list-picker when the Content template is configured (≤ 10 items, titles ≤ 24 characters),
numbered text otherwise; the list answer, its title typed and the number all choose."""
from __future__ import annotations

import json
from dataclasses import replace

from bot.language.templates import render
from tests.conftest import MARIA, drain
from tests.scheduling_support import appointments, book, conversation_state

CHOOSE_ACTION = render("appointments/choose_action")


def _two_booked(wa, rt, *, interactive: bool):
    book(wa, pick="2")
    book(wa, pick="3", patient="2")  # her son João's
    if interactive:
        rt.settings = replace(rt.settings, content_list_sid="HXlist", content_buttons_sid="HXbuttons")
    return appointments(rt)


def test_several_appointments_come_as_a_list_picker(wa, rt, twilio):
    mine, his = _two_booked(wa, rt, interactive=True)
    replies = wa.say(MARIA, "minhas consultas")
    assert len(replies) == 2 and "protocolo" in replies[0].lower(), replies  # then the picker
    sent = twilio.created[-1]
    assert sent["ContentSid"] == "HXlist"
    variables = json.loads(sent["ContentVariables"])
    assert variables["1"] == "Suas próximas consultas (2). Escolha uma para cancelar ou remarcar:"
    assert [variables["2"], variables["5"]] == [f"appt:{mine.id}", f"appt:{his.id}"]
    titles = [variables["3"], variables["6"]]
    assert titles == [f"{mine.starts_at:%d/%m %H:%M} Cardiologia", f"{his.starts_at:%d/%m %H:%M} Cardiologia"]
    assert all(len(t) <= 24 for t in titles)
    assert variables["7"].startswith("João – ") and not variables["4"].startswith("Maria")
    wa.post(MARIA, titles[1], extra={"ListId": variables["5"]})
    drain(rt)
    assert wa.twilio.bodies_to(MARIA)[-1] == CHOOSE_ACTION
    assert conversation_state(rt)[1] == "choose_action"
    assert conversation_state(rt)[2]["selected"] == his.id
    assert "Confirma o cancelamento" in wa.say(MARIA, "cancelar")[0]
    assert "cancelada" in wa.say(MARIA, "sim")[0]
    assert [a.status for a in appointments(rt)] == ["booked", "cancelled"]


def test_a_typed_list_title_chooses_that_appointment(wa, rt, twilio):
    mine, _ = _two_booked(wa, rt, interactive=True)
    wa.say(MARIA, "minhas consultas")
    title = json.loads(twilio.created[-1]["ContentVariables"])["3"]
    assert wa.say(MARIA, title.lower()) == [CHOOSE_ACTION]
    assert conversation_state(rt)[2]["selected"] == mine.id


def test_without_the_template_the_list_is_numbered_text_and_the_number_chooses(wa, rt, twilio):
    mine, his = _two_booked(wa, rt, interactive=False)
    listing = wa.say(MARIA, "minhas consultas")[-1]
    assert "\n\nSuas próximas consultas (2):\n" in listing
    assert "1. *" in listing and "2. *" in listing and "Paciente: João" in listing
    assert "ContentSid" not in twilio.created[-1]
    assert wa.say(MARIA, "2") == [CHOOSE_ACTION]
    assert conversation_state(rt)[2]["selected"] == his.id
