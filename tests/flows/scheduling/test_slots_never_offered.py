"""Slots never offered or booked: clashing with the patient's own appointment, already begun."""
from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select

from storage.db import transaction
from storage.models import Slot
from storage.models.registry import Provider
from tests.conftest import MARIA
from tests.scheduling_support import appointments


def _times(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) – ", reply, re.M)


def _free_at(rt, starts_at, provider_ref: str) -> bool:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Slot).join(Provider, Provider.id == Slot.provider_id)
                         .where(Slot.starts_at == starts_at, Slot.status == "free",
                                Provider.ref == provider_ref)).first() is not None


def _at_local(day: date, hh: int, mm: int) -> None:
    from bot.platform import clock
    clock.freeze(clock.from_local(datetime(day.year, day.month, day.day, hh, mm)))


def test_a_patient_is_never_offered_a_slot_at_the_time_of_their_own_appointment(wa, rt):
    wa.say(MARIA, "marcar cardiologia amanhã")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    wa.say(MARIA, "1")
    assert "Consulta agendada!" in wa.say(MARIA, "sim")[0]
    [cardio] = appointments(rt)
    booked_at = f"{cardio.starts_at:%H:%M}"
    assert _free_at(rt, cardio.starts_at, "P003")  # the gynaecologist is free then too

    wa.say(MARIA, "marcar ginecologista amanhã")
    own = wa.say(MARIA, "eu")[0]
    assert "Horários livres de *Ginecologia" in own and _times(own)
    assert booked_at not in _times(own)  # Maria cannot be in two clinics at once

    # Her son may be seen at that time: another patient.
    wa.say(MARIA, "sair")
    wa.say(MARIA, "marcar pediatra amanhã")
    assert booked_at in _times(wa.say(MARIA, "joão")[0])


def test_a_slot_that_began_while_the_list_was_open_is_not_booked(wa, rt):
    from tests.scheduling_support import later

    _at_local(date(2026, 11, 25), 7, 45)
    wa.say(MARIA, "marcar cardiologia hoje")
    wa.say(MARIA, "116")
    results = wa.say(MARIA, "eu")[0]
    assert _times(results)[0] == "08:00"
    later(minutes=20)  # 08:05: the 08:00 slot has begun
    reply = wa.say(MARIA, "1")[0]
    assert "Confira os dados" not in reply and "já passou" in reply
    assert "08:00" not in _times(reply) and _times(reply)
    assert not appointments(rt)


def test_a_slot_that_began_before_the_yes_is_not_booked(wa, rt):
    from tests.scheduling_support import later

    _at_local(date(2026, 11, 25), 7, 45)
    wa.say(MARIA, "marcar cardiologia hoje")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    assert "*Quarta-feira, 25/11/2026 às 08:00*" in wa.say(MARIA, "1")[0]
    later(minutes=20)
    reply = wa.say(MARIA, "sim")[0]
    assert "Consulta agendada" not in reply and "já passou" in reply
    assert not appointments(rt)
    assert "08:00" not in _times(wa.twilio.bodies_to(MARIA)[-1])

