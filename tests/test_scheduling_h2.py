"""Scheduling and 'minhas consultas' as a beneficiary meets them: QA round h2."""
from __future__ import annotations

import re

from sqlalchemy import select

from storage.db import transaction
from storage.models import Slot
from storage.models.registry import Provider

from .conftest import MARIA
from .scheduling_support import appointments


def _times(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) – ", reply, re.M)


def _free_at(rt, starts_at, provider_ref: str) -> bool:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Slot).join(Provider, Provider.id == Slot.provider_id)
                         .where(Slot.starts_at == starts_at, Slot.status == "free",
                                Provider.ref == provider_ref)).first() is not None


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
