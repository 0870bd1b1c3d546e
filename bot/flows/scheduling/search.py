"""Slot search: the form's wanted dates, period and professional turned into free slots
(paged, never overlapping the patient's other appointments), and the ANS guarantee case
when nothing is free within the deadline (RN 566/2022)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.engine import Turn
from bot.flows.scheduling.deadlines import ans_deadline
from bot.flows.scheduling.specialties import by_code
from bot.flows.scheduling.titles import by_day, slot_items
from bot.language.dates import in_day_period
from bot.language.text import normalize
from bot.registry.base import RegistryUnavailable, SlotQuery
from storage.models import Appointment

PAGE = 8
SEARCH_LIMIT = 200
SEARCH_DAYS = 60  # how far ahead "o quanto antes" looks
APPOINTMENT_MINUTES = 30  # how long a booked appointment keeps its patient busy
SEARCH_AGAIN = "search_again"  # the operator's system was down: the next message retries


# -- search and results -----------------------------------------------------------------
@dataclass
class Found:
    slots: list
    nearest: bool = False  # the wanted dates had no slot: these are the nearest ones
    breach: bool = False  # no slot by the ANS deadline for someone who wants the soonest
    # (or nothing at all in the search window: a gap in the network is the operator's)


def search(turn: Turn, offset: int = 0, announce: bool = True) -> None:
    """Show free slots for the form; `announce` says why they differ from the request."""
    specialty = by_code(turn.data["specialty"])
    city, state = turn.data["city"]
    if turn.conversation.state is None:
        turn.goto(SEARCH_AGAIN)  # a real state, whatever happens below
    try:
        deadline = ans_deadline(turn.today, specialty, _holiday_state(turn, state))
        found, dropped = _search_with_preferences(turn, specialty, city, state, deadline)
    except RegistryUnavailable:
        # Nothing changed: the state asks the same question, or (SEARCH_AGAIN) any
        # message searches again.
        return turn.say("scheduling/try_later")
    for preference, value in dropped:
        turn.forget(preference)
        turn.say(f"scheduling/no_{preference}", value=value, city=city)
    if found.breach and not turn.data.get("reschedule_id"):
        # Someone rescheduling already has an appointment: not a guarantee case.
        return _guarantee(turn, specialty, city, state, deadline, unavailable=not found.slots)
    if not found.slots:
        turn.goto("ask_date")
        return turn.say("scheduling/no_slots_on_date", specialty=specialty.name, city=city,
                        nearest=False, **_wanted_for_template(turn))
    page = found.slots[offset:offset + PAGE]
    items = slot_items(page)
    more = len(found.slots) > offset + PAGE
    turn.remember(results=[s.ref for s in page], titles=[i["title"] for i in items],
                  times=[s.starts_at.isoformat() for s in page], offset=offset, has_more=more)
    turn.goto("pick")
    if found.nearest and announce and offset == 0:
        turn.say("scheduling/no_slots_on_date", specialty=specialty.name, city=city,
                 nearest=True, **_wanted_for_template(turn))
    turn.say_choices("scheduling/results", items=items, days=by_day(page),
                     specialty=specialty.name, city=city, more=more, first_number=1,
                     period=turn.data.get("period"))


def slots_at(turn: Turn, period: str) -> list:
    """The form's free slots within `period` (a time named at the list, "às 15h"), on the
    wanted dates only: none when only other dates have it."""
    specialty = by_code(turn.data["specialty"])
    city, state = turn.data["city"]
    deadline = ans_deadline(turn.today, specialty, _holiday_state(turn, state))
    found = _find_slots(turn, specialty.code, city, state, deadline,
                        turn.data.get("professional"), period)
    return [] if found.nearest else found.slots


def _search_with_preferences(turn: Turn, specialty, city: str, state: str,
                             deadline: date) -> tuple[Found, list[tuple[str, str]]]:
    """The professional and the period of the day are preferences: when they leave nothing,
    the others are shown (returned as `dropped`, for the caller to say so). They never make
    an ANS case on their own."""
    professional, period = turn.data.get("professional"), turn.data.get("period")
    dropped = []

    def find(professional, period) -> Found:
        return _find_slots(turn, specialty.code, city, state, deadline, professional, period)

    found = find(professional, period)
    if professional and (found.breach or not found.slots):
        dropped.append(("professional", professional))
        professional = None
        found = find(None, period)
    if period and not found.slots:
        dropped.append(("period", period))
        found = find(professional, None)
    elif period and found.breach and not find(professional, None).breach:
        found.breach = False  # other hours exist within the deadline: the person's choice
    return found, dropped


def _wanted_dates(turn: Turn) -> tuple[str, date | None, date | None]:
    data = turn.data
    if not data.get("start"):
        return "soonest", None, None
    start = date.fromisoformat(data["start"])
    end = date.fromisoformat(data["end"]) if data.get("end") else None
    when = data.get("when") or ("from" if end is None else "day" if end == start else "period")
    return when, start, end


def _wanted_for_template(turn: Turn) -> dict:
    when, start, end = _wanted_dates(turn)
    return {"when": when, "start": start, "end": end, "period": turn.data.get("period")}


def _find_slots(turn: Turn, specialty: str, city: str, state: str, deadline: date,
                professional: str | None, period: str | None = None) -> Found:
    today = turn.today
    window = timedelta(days=SEARCH_DAYS)
    busy = _patient_busy(turn)

    def query(start: date, end: date) -> list:
        slots = turn.registry.search_slots(SlotQuery(
            specialty=specialty, city=city, state=state, start=start, end=end,
            limit=SEARCH_LIMIT))
        if professional:
            slots = [s for s in slots if professional in normalize(s.provider.professional).split()]
        return [s for s in slots if in_day_period(s.starts_at, period)
                and not _overlaps(s, busy)]

    def too_late(slots: list) -> bool:
        return not slots or slots[0].starts_at.date() > deadline

    when, start, end = _wanted_dates(turn)
    if when == "soonest":
        slots = query(today, today + window)
        return Found(slots, breach=too_late(slots))
    slots = query(start, end or start + window)
    if slots:
        return Found(slots)
    if when == "period" and start <= deadline:
        # "semana que vem" wants it soon: only nothing from today to the deadline is a breach.
        soonest = query(today, today + window)
        return Found(soonest, nearest=True, breach=too_late(soonest))
    # A date the person chose: not a guarantee case; offer the nearest slots instead...
    after = query(start, start + window) if end is not None else []
    if after:
        return Found(after, nearest=True)
    soonest = query(today, today + window)
    # ...unless there is nothing at all to offer (no such provider in the city): waiting was
    # never a choice, and RN 566 makes the operator arrange the care within the deadline.
    return Found(soonest, nearest=True, breach=not soonest)


def _patient_busy(turn: Turn) -> list[datetime]:
    """When the patient already has an appointment (booked here, by anyone in the family):
    a slot at that time is never offered — nobody is in two clinics at once. The
    appointment being rescheduled is left out: its time is given up with it."""
    patient = turn.data.get("patient")
    if not patient:
        return []
    query = select(Appointment.starts_at).where(
        Appointment.patient_ref == patient, Appointment.status == "booked",
        Appointment.starts_at >= datetime.combine(turn.today, time()))
    if turn.data.get("reschedule_id"):
        query = query.where(Appointment.id != turn.data["reschedule_id"])
    return list(turn.session.scalars(query))


def _overlaps(slot, busy: list[datetime]) -> bool:
    end = slot.starts_at + timedelta(minutes=slot.duration_minutes or APPOINTMENT_MINUTES)
    return any(slot.starts_at < b + timedelta(minutes=APPOINTMENT_MINUTES) and b < end
               for b in busy)


def _holiday_state(turn: Turn, provider_state: str) -> str:
    """ANS deadlines skip the holidays of the beneficiary's state (the patient's address);
    the searched city's state when the registry has no address for them, the operator's
    (OPERATOR_STATE) when neither is known."""
    patient = turn.registry.beneficiary(turn.data["patient"]) if turn.data.get("patient") else None
    return (patient.state if patient else "") or provider_state or turn.settings.operator_state


def _guarantee(turn: Turn, specialty, city: str, state: str, deadline: date,
               unavailable: bool = False) -> None:
    """No slot within the ANS deadline (RN 566/2022), or no provider with free slots at all
    (`unavailable`: the guarantee covers the lack of a provider too). The journey's own
    protocol becomes the guarantee case: one number for the person, with the deadline, in
    the queue."""
    protocol = turn.protocol or turn.open_protocol("agendamento")
    protocol.journey = "garantia_atendimento"
    protocol.details = {**(protocol.details or {}), "specialty": specialty.code,
                        "city": city, "state": state, "deadline": deadline.isoformat(),
                        "patient": turn.data.get("patient"),
                        "reason": "sem_prestador" if unavailable else "sem_vaga_no_prazo"}
    turn.say("scheduling/guarantee", specialty=specialty.name, city=city, deadline=deadline,
             number=protocol.number, unavailable=unavailable, days=SEARCH_DAYS)
    gap = "sem prestador com agenda" if unavailable else "sem vaga no prazo"
    turn.escalate(f"garantia de atendimento ({gap}): {specialty.name} em {city}/{state} até "
                  f"{deadline:%d/%m/%Y} (protocolo {protocol.number})",
                  template="scheduling/guarantee_queued")
    turn.end()
    turn.remember(protocol=protocol.number)  # attendants see the case number
