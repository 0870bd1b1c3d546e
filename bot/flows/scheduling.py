"""Agendamento: search → pick → confirm data → book, in at most 5 messages.

A form in the style of rasa_sdk: every message may fill any of the slots (who, specialty,
city, date); the bot asks only for what is still missing, and offers the person's own
city when it has providers. Booking is atomic (see EmbeddedRegistry.book_slot).
"""
from __future__ import annotations

import re
from collections import OrderedDict
from datetime import date, timedelta

from bot import appointments, clock
from bot.engine import Flow, Turn, register
from bot.registry.base import RegistryUnavailable, SlotQuery, SlotTaken
from bot.scheduling.business_days import ans_deadline
from bot.scheduling.cities import match_city
from bot.scheduling.dates import parse_date_request
from bot.scheduling.specialties import by_code, match_specialty
from bot.text import digits, normalize

PROFESSIONAL = re.compile(r"\b(?:dr|dra|doutor|doutora)\.? ([a-z]{3,})")
PAGE = 8
SEARCH_LIMIT = 200
SEARCH_DAYS = 60  # how far ahead "o quanto antes" looks

flow = register(Flow(
    "agendamento", journey="agendamento", needs_identity=True, menu_order=2,
    menu_label="Agendar consulta",
    intents=["marcar consulta", "agendar consulta", "agendamento", "marcar uma consulta",
             "quero marcar", "consulta com", "marcar exame", "agendar", "marcar horario",
             "preciso de um medico", "preciso de uma consulta", "marcar dentista"],
    recognizer=lambda text: match_specialty(text) is not None,  # "preciso de um cardiologista"
))

YES = {"sim", "s", "isso", "confirmo", "confirmar", "pode", "pode ser", "ok", "certo", "correto", "sim confirmo"}
NO = {"nao", "n", "errado", "nao confirmo", "outro", "outro horario"}
MYSELF = {"eu", "para mim", "pra mim", "mim", "eu mesmo", "eu mesma", "pra eu", "para eu"}


# -- form ------------------------------------------------------------------------------
@flow.on_entry
def start(turn: Turn) -> None:
    person = turn.beneficiary
    dependents = turn.registry.dependents(person.ref) if person.is_holder else []
    turn.remember(family=[{"ref": p.ref, "name": p.name} for p in [person, *dependents]])
    if not dependents:
        turn.remember(patient=person.ref)
    extract(turn, turn.data.get("entry_text", ""), quiet=True)
    advance(turn)


@flow.state("collect")
def collect(turn: Turn) -> None:
    if not extract(turn, turn.text):
        return
    advance(turn)


def extract(turn: Turn, text: str, quiet: bool = False) -> bool:
    """Fill any slot the text mentions. A bad value is answered (unless quiet) and then
    nothing at all is remembered from this message: the state stays as it was."""
    if not text:
        return True
    found: dict = {}
    if "patient" not in turn.data and (patient := _match_patient(turn, text)):
        found["patient"] = patient
    if specialty := match_specialty(text):
        found["specialty"] = specialty.code
    if city := match_city(text, _cities(turn)):
        found["city"] = list(city)
    if professional := PROFESSIONAL.search(normalize(text)):
        found["professional"] = professional.group(1)
    wanted = parse_date_request(text, turn.today)
    if wanted is not None:
        if wanted.in_past or wanted.start < turn.today:
            if not quiet:
                turn.retry("scheduling/date_in_past")
            return False
        found.update(start=wanted.start.isoformat(),
                     end=wanted.end.isoformat() if wanted.end else None)
    if not found:
        if not quiet:
            turn.retry(f"scheduling/not_understood_{_missing(turn, fill=False) or 'specialty'}",
                       family=turn.data.get("family", []))
        return False
    turn.remember(**found)
    return True


def _missing(turn: Turn, fill: bool = True) -> str | None:
    if "patient" not in turn.data:
        return "patient"
    if "specialty" not in turn.data:
        return "specialty"
    if "city" not in turn.data:
        home = (turn.beneficiary.city, turn.beneficiary.state)
        if home not in _cities(turn):
            return "city"
        if fill:
            turn.remember(city=list(home))  # offer the person's own city instead of asking
    return None


def advance(turn: Turn) -> None:
    missing = _missing(turn)
    if missing:
        turn.goto("collect")
        turn.say(f"scheduling/ask_{missing}", family=turn.data["family"],
                 cities=_cities(turn), specialty=_specialty_name(turn))
        return
    search(turn)


def _match_patient(turn: Turn, text: str) -> str | None:
    family = turn.data.get("family", [])
    norm = normalize(text)
    words = set(re.split(r"[,;\s]+", norm))
    first = re.split(r"[,;\s]+", norm.strip(" .)"))[0]
    if norm.split(",")[0].strip() in MYSELF or words & {"mim", "eu"}:
        return family[0]["ref"]
    if first.isdigit() and 1 <= int(first) <= len(family):
        return family[int(first) - 1]["ref"]
    for member in family:
        first = normalize(member["name"]).split()[0]
        if first in words:
            return member["ref"]
    return None


def _cities(turn: Turn) -> list[tuple[str, str]]:
    if "cities" not in turn.scratch:
        turn.scratch["cities"] = [tuple(c) for c in turn.registry.cities()]
    return turn.scratch["cities"]


def _specialty_name(turn: Turn) -> str | None:
    code = turn.data.get("specialty")
    return by_code(code).name if code else None


# -- search and results -----------------------------------------------------------------
def search(turn: Turn, offset: int = 0) -> None:
    specialty = by_code(turn.data["specialty"])
    city, state = turn.data["city"]
    start = date.fromisoformat(turn.data["start"]) if turn.data.get("start") else turn.today
    end = date.fromisoformat(turn.data["end"]) if turn.data.get("end") else start + timedelta(days=SEARCH_DAYS)
    try:
        slots = turn.registry.search_slots(SlotQuery(
            specialty=specialty.code, city=city, state=state, start=start, end=end,
            limit=SEARCH_LIMIT))
    except RegistryUnavailable:
        turn.say("generic_error")
        return
    wanted_professional = turn.data.get("professional")
    if wanted_professional:
        slots = [s for s in slots if wanted_professional in normalize(s.provider.professional).split()]
        if not slots:
            turn.forget("professional")
            turn.say("scheduling/no_professional", name=wanted_professional.title(), city=city)
            return search(turn, offset)
    deadline = ans_deadline(turn.today, specialty, state)
    soonest_wanted = start <= deadline
    if soonest_wanted and (not slots or slots[0].starts_at.date() > deadline):
        _guarantee(turn, specialty, city, state, deadline)
        return
    if not slots:
        turn.goto("collect")
        turn.forget("start", "end")
        turn.say("scheduling/no_slots_on_date", specialty=specialty.name, city=city)
        return
    page = slots[offset:offset + PAGE]
    turn.remember(results=[s.ref for s in page], offset=offset, has_more=len(slots) > offset + PAGE)
    turn.goto("pick")
    items = [_item(s) for s in page]
    turn.say_choices("scheduling/results", items=items, days=_by_day(page),
                     specialty=specialty.name, city=city, more=len(slots) > offset + PAGE,
                     first_number=1)


def _item(slot) -> dict:
    return {"id": f"slot:{slot.ref}",
            "title": f"{slot.starts_at:%d/%m %H:%M} {slot.provider.professional}",
            "description": slot.provider.address}


def _by_day(slots) -> list[dict]:
    days: OrderedDict = OrderedDict()
    for number, slot in enumerate(slots, 1):
        days.setdefault(slot.starts_at.date(), []).append({"number": number, "slot": slot})
    return [{"day": d, "entries": entries} for d, entries in days.items()]


def _guarantee(turn: Turn, specialty, city: str, state: str, deadline: date) -> None:
    """No slot within the ANS deadline (RN 566/2022): protocol + attendants' queue."""
    protocol = turn.open_protocol("garantia_atendimento", details={
        "specialty": specialty.code, "city": city, "state": state,
        "deadline": deadline.isoformat(), "patient": turn.data.get("patient"),
    })
    turn.say("scheduling/guarantee", specialty=specialty.name, city=city, deadline=deadline,
             number=protocol.number)
    turn.end()
    turn.escalate(f"garantia de atendimento: {specialty.name} em {city}/{state} até "
                  f"{deadline:%d/%m/%Y} (protocolo {protocol.number})",
                  template="scheduling/guarantee_queued")
    turn.remember(protocol=protocol.number)


@flow.state("pick")
def pick(turn: Turn) -> None:
    results = turn.data["results"]
    choice = turn.choice
    if choice.startswith("slot:") and choice[5:] in results:
        return _chosen(turn, choice[5:])
    norm = turn.norm
    if norm in {"mais", "ver mais", "mais horarios", "proximos"}:
        if turn.data.get("has_more"):
            return search(turn, offset=turn.data["offset"] + PAGE)
        return turn.retry("scheduling/no_more")
    if norm in {"outra data", "outro dia", "outra", "mudar data", "outras datas"}:
        turn.goto("ask_date")
        return turn.say("scheduling/ask_date")
    number = digits(turn.text)
    if number and norm.strip(" .)").isdigit():
        index = int(number) - 1
        if 0 <= index < len(results):
            return _chosen(turn, results[index])
        return turn.retry("scheduling/pick_again", count=len(results))
    if parse_date_request(turn.text, turn.today) is not None:
        return ask_date(turn)  # "sexta", "15/12": search that date
    # Another specialty or city in free text ("em dourados", "pediatra") searches again.
    before = (turn.data.get("specialty"), turn.data.get("city"))
    extract(turn, turn.text, quiet=True)
    if (turn.data.get("specialty"), turn.data.get("city")) != before:
        return advance(turn)
    turn.retry("scheduling/pick_again", count=len(results))


@flow.state("ask_date")
def ask_date(turn: Turn) -> None:
    wanted = parse_date_request(turn.text, turn.today)
    if wanted is None:
        return turn.retry("scheduling/date_not_understood")
    if wanted.in_past or wanted.start < turn.today:
        return turn.retry("scheduling/date_in_past")
    turn.remember(start=wanted.start.isoformat(), end=wanted.end.isoformat() if wanted.end else None)
    search(turn)


def _chosen(turn: Turn, slot_ref: str) -> None:
    slot = turn.registry.slot(slot_ref)
    if slot is None:
        return turn.retry("scheduling/pick_again", count=len(turn.data["results"]))
    patient = turn.registry.beneficiary(turn.data["patient"])
    turn.remember(slot=slot_ref)
    turn.goto("confirm")
    turn.say_choices("scheduling/confirm", kind="buttons",
                     items=[{"id": "confirm:yes", "title": "Confirmar"},
                            {"id": "confirm:no", "title": "Outro horário"}],
                     slot=slot, patient=patient, phone=turn.conversation.address,
                     specialty=_specialty_name(turn))


@flow.state("confirm")
def confirm(turn: Turn) -> None:
    answer = turn.message.payload or ""
    if answer == "confirm:yes" or turn.norm in YES:
        return _book(turn)
    if answer == "confirm:no" or turn.norm in NO:
        return search(turn, offset=turn.data.get("offset", 0))
    turn.retry("scheduling/confirm_yes_no")


def _book(turn: Turn) -> None:
    patient = turn.registry.beneficiary(turn.data["patient"])
    reschedule_id = turn.data.get("reschedule_id")
    try:
        appointment = appointments.book(
            turn.session, turn.registry, turn.settings, slot_ref=turn.data["slot"],
            patient=patient, booked_by_ref=turn.conversation.beneficiary_ref,
            protocol_number=turn.data["protocol"], conversation_id=turn.conversation.id,
            booking_key=f"conv{turn.conversation.id}-msg{turn.message.external_id}",
            specialty=turn.data["specialty"],
        )
    except SlotTaken:
        turn.say("scheduling/slot_taken")
        turn.forget("slot")
        return search(turn)
    if reschedule_id:
        from storage.models import Appointment

        old = turn.session.get(Appointment, reschedule_id)
        appointments.replace(turn.session, turn.registry, old, appointment)
    else:
        turn.close_protocol("agendado", f"consulta em {appointment.starts_at:%d/%m/%Y %H:%M}")
    if appointment.reminder_at:
        rt, appointment_id, at = turn.runtime, appointment.id, appointment.reminder_at
        turn.defer(lambda: appointments.schedule_reminder(rt, appointment_id, at))
    turn.say("scheduling/booked", appointment=appointment, provider=appointment.provider,
             specialty=_specialty_name(turn), number=appointment.protocol_number,
             rescheduled=bool(reschedule_id), hours=turn.settings.reminder_hours_before)
    turn.end()
