"""Agendamento: search → pick → confirm data → book, in at most 5 messages.

A form in the style of rasa_sdk: every message may fill any of the slots (who, specialty,
city, date); the bot asks only for what is still missing, and offers the person's own
city when it has providers. Booking is atomic (see EmbeddedRegistry.book_slot).

This module is the journey's wiring: the Flow, its entry, its states and the entry point
for rescheduling. The steps live beside it: `form.py` (reading and asking), `search.py`
(finding slots, the ANS guarantee), `titles.py` (the list's items), `slot_list.py`
(choosing from the list), `confirm.py` (confirmation and booking).
"""
from __future__ import annotations

import functools

from bot.engine import Flow, MenuEntry, Turn
from bot.flows.scheduling import appointments
from bot.flows.scheduling import confirm as confirmation
from bot.flows.scheduling import slot_list
from bot.flows.scheduling.form import (
    NOT_UNDERSTOOD,
    OUTSIDE,
    Reading,
    advance,
    clear_rejected,
    explain,
    fill_form,
    known_cities,
    missing_slot,
    outside_context,
    read_form,
    refuse,
    take_answer,
)
from bot.flows.scheduling.search import SEARCH_AGAIN, search
from bot.flows.scheduling.specialties import match_outside, match_specialty

# Importable from here as before the split.
from bot.flows.scheduling.titles import slot_items as slot_items
from bot.registry.base import RegistryUnavailable
from storage.models import Appointment

flow = Flow(
    "agendamento", journey="agendamento", needs_identity=True,
    menu=MenuEntry(2, "Agendar consulta"),
    intents=["marcar consulta", "agendar consulta", "agendamento", "marcar uma consulta",
             "quero marcar", "consulta com", "marcar exame", "agendar", "marcar horario",
             "preciso de um medico", "preciso de uma consulta", "marcar dentista",
             "marcar um medico"],
)
# "preciso de um cardiologista"; "fisioterapia" too, for the screen to answer it
flow.hook("recognizer")(
    lambda text: match_specialty(text) is not None or match_outside(text) is not None)
flow.hook("screen")(lambda turn: _screen(turn))
flow.due(appointments.release_pending_slots)
flow.due(appointments.send_due_reminders)


def _screen(turn: Turn) -> bool:
    """"marcar psicólogo", "quero nutricionista": nothing this journey can book. Said at
    once, with what can be booked and a person to talk to — before a protocol and an
    identity check that would lead nowhere."""
    area = match_outside(turn.text)
    if area is None:
        return False
    # Asked in the middle of another journey: its question still stands, so a specialty
    # typed next would answer that, not start this one.
    busy = turn.conversation.flow not in (None, flow.name)
    turn.say(OUTSIDE, **outside_context(area.name, busy=busy))
    return True


def outage_safe(handler):
    """The operator's system down in the middle of a step (cities, dependents, the
    patient's record): the person is told to try again and the conversation stays where
    it was. A journey whose very start failed waits in SEARCH_AGAIN, never in no state."""
    @functools.wraps(handler)
    def guarded(turn: Turn) -> None:
        c = turn.conversation
        flow_name, state, data = c.flow, c.state, c.data  # data is replaced, never mutated
        try:
            handler(turn)
        except RegistryUnavailable:
            c.flow, c.state, c.data = flow_name, state or SEARCH_AGAIN, data
            turn.say("scheduling/try_later")
    return guarded


def search_for_reschedule(turn: Turn, appointment: Appointment, *, protocol: str | None,
                          wanted: str = "") -> None:
    """Entry point for "minhas consultas": search slots for the same patient and specialty
    as `appointment`; booking one replaces it. `protocol` stays the conversation's.
    `wanted`: the new date as the person wrote it ("sexta de manhã"), read as the form
    reads it (a date that is past or does not exist is said and asked for again)."""
    c = turn.conversation
    # A real state before searching: should the operator's system be down, the next
    # message searches again instead of finding a journey with no state.
    c.flow, c.state = flow.name, SEARCH_AGAIN
    c.data = {
        "protocol": protocol, "reschedule_id": appointment.id,
        "appointment_protocol": appointment.protocol_number,
        "patient": appointment.patient_ref, "specialty": appointment.specialty,
        "city": [appointment.provider["city"], appointment.provider["state"]],
        "family": [{"ref": appointment.patient_ref, "name": appointment.patient_name}],
    }
    if not wanted:
        return search(turn)
    reading = read_form(turn, wanted)
    kept = Reading({k: v for k, v in reading.found.items() if k not in ("patient", "specialty")},
                   [p for p in reading.problems if p != OUTSIDE], reading.context)
    take_answer(turn, kept)


@flow.on_entry
@outage_safe
def start(turn: Turn) -> None:
    person = turn.beneficiary
    dependents = turn.registry.dependents(person.ref) if person.is_holder else []
    turn.remember(family=[{"ref": p.ref, "name": p.name} for p in [person, *dependents]])
    if not dependents:
        turn.remember(patient=person.ref)
    # The opening words are not an answer to a question: keep what is valid, explain what
    # is not ("em Cuiabá", "10/01/2020") and ask for it again with the rest of the form.
    reading = read_form(turn, turn.data.get("entry_text", ""))
    fill_form(turn, reading.found)
    advance(turn, explained=explain(turn, reading))


@flow.state("collect")
@outage_safe
def collect(turn: Turn) -> None:
    reading = read_form(turn, turn.text)
    if not reading.found and not reading.problems:
        missing = missing_slot(turn, fill=False) or "specialty"
        return turn.retry(NOT_UNDERSTOOD[missing], family=turn.data.get("family", []),
                          cities=known_cities(turn))
    if not reading.found:
        # Only a refused value ("em Cuiabá" while asked who): remember it was refused, so
        # the home city / "the soonest" is not silently used in its place.
        clear_rejected(turn, reading.problems)
        return refuse(turn, reading)
    take_answer(turn, reading)


@flow.state(SEARCH_AGAIN)
@outage_safe
def search_again(turn: Turn) -> None:
    """The operator's system was down at the last step: any message tries again, with
    whatever new filter it brings."""
    if "family" not in turn.data:  # the journey's start itself failed
        turn.remember(entry_text=f"{turn.data.get('entry_text', '')} {turn.text}".strip())
        return start(turn)
    reading = read_form(turn, turn.text)
    if reading.problems and not reading.found:
        return refuse(turn, reading)
    take_answer(turn, reading)


@flow.state("ask_date")
@outage_safe
def ask_date(turn: Turn) -> None:
    reading = read_form(turn, turn.text)  # a date, or another city/specialty ("em dourados")
    if reading.found:
        return take_answer(turn, reading)
    if reading.problems:
        return refuse(turn, reading)
    turn.retry("scheduling/date_not_understood")


flow.state("pick")(outage_safe(slot_list.pick))
flow.state("confirm")(outage_safe(confirmation.confirm))
