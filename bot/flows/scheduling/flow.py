"""Agendamento: search → pick → confirm data → book, in at most 5 messages.

A form in the style of rasa_sdk: every message may fill any of the slots (who, specialty,
city, date); the bot asks only for what is still missing, and offers the person's own
city when it has providers. Booking is atomic (see EmbeddedRegistry.book_slot).
"""
from __future__ import annotations

import functools
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.engine import Flow, MenuEntry, Turn
from bot.flows.scheduling import appointments
from bot.flows.scheduling.cities import match_city, named_place
from bot.flows.scheduling.deadlines import ans_deadline
from bot.flows.scheduling.specialties import CATALOGUE, by_code, match_outside, match_specialty
from bot.language import choices, intents
from bot.language.dates import DateRequest, in_day_period, parse_date_request, parse_day_period
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import clock
from bot.registry.base import RegistryUnavailable, SlotQuery, SlotTaken
from bot.services.outbox import LIST_DESCRIPTION_MAX, LIST_TITLE_MAX
from storage.models import Appointment

PROFESSIONAL = re.compile(r"\b(?:dr|dra|doutor|doutora)\.? ([a-z]{3,})")
PAGE = 8
SEARCH_LIMIT = 200
SEARCH_DAYS = 60  # how far ahead "o quanto antes" looks
APPOINTMENT_MINUTES = 30  # how long a booked appointment keeps its patient busy


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

# Beyond bot.language.intents.yes_no's clause-by-clause reading ("Sim.", "sim, pode ser").
CONFIRM_EXTRA = {"confirmar", "confirmo", "sim confirmo", "pode marcar", "pode agendar"}
OTHER_SLOT = {"nao confirmo", "outro", "outro horario", "outra", "outra hora"}
MYSELF = {"eu", "para mim", "pra mim", "mim", "eu mesmo", "eu mesma", "pra eu", "para eu"}
MORE = {"mais", "ver mais", "mais horarios", "proximos", "outro horario", "outros horarios",
        "outras opcoes", "outra opcao", "mais opcoes"}
OTHER_DATE = {"outra data", "outro dia", "outra", "mudar data", "outras datas"}
# "dados incorretos", "meu telefone está errado", "preciso atualizar meu cadastro"
WRONG_DATA = re.compile(
    r"\b(?:dados?|nome|telefone|celular|nascimento|cadastro)\b.*\b(?:incorret|errad|desatualizad|"
    r"mudou|diferente)|\b(?:corrigir|atualizar|alterar)\b.*\b(?:dados?|cadastro|nome|telefone|"
    r"celular|nascimento)\b")
NOT_UNDERSTOOD = {"patient": "scheduling/not_understood_patient",
                  "specialty": "scheduling/not_understood_specialty",
                  "city": "scheduling/not_understood_city",
                  "date": "scheduling/date_not_understood"}
OUTSIDE = "scheduling/outside_catalogue"
# A bad value is asked for again, never silently replaced (by the home city, by "the
# soonest"): problem template -> (form slot, flag kept until a valid value, keys it clears).
# A specialty outside the catalogue clears nothing: the one already chosen (if any) stands.
_REJECTED = {"scheduling/not_understood_city": ("city", "city_rejected", ("city",)),
             "scheduling/date_in_past": ("date", "date_rejected", ("start", "end", "when")),
             OUTSIDE: ("specialty", None, ())}
SEARCH_AGAIN = "search_again"  # the operator's system was down: the next message retries


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


def outside_context(area: str, busy: bool = False) -> dict:
    return {"area": area, "specialties": sorted((s.name for s in CATALOGUE), key=normalize),
            "busy": busy}


# -- form ------------------------------------------------------------------------------
@dataclass
class Reading:
    """What one message says about the form: valid values, and what was wrong in it."""

    found: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # templates explaining bad values
    context: dict = field(default_factory=dict)  # what those templates name


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


def search_for_reschedule(turn: Turn, appointment: Appointment, *, protocol: str | None) -> None:
    """Entry point for "minhas consultas": search slots for the same patient and specialty
    as `appointment`; booking one replaces it. `protocol` stays the conversation's."""
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
    search(turn)


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
    _fill(turn, reading.found)
    advance(turn, explained=_explain(turn, reading))


@flow.state("collect")
@outage_safe
def collect(turn: Turn) -> None:
    reading = read_form(turn, turn.text)
    if not reading.found and not reading.problems:
        missing = _missing(turn, fill=False) or "specialty"
        return turn.retry(NOT_UNDERSTOOD[missing], family=turn.data.get("family", []),
                          cities=_cities(turn))
    if not reading.found:
        # Only a refused value ("em Cuiabá" while asked who): remember it was refused, so
        # the home city / "the soonest" is not silently used in its place.
        _clear_rejected(turn, reading.problems)
        return _refuse(turn, reading)
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
        return _refuse(turn, reading)
    take_answer(turn, reading)


def take_answer(turn: Turn, reading: "Reading") -> None:
    """Form semantics: the valid values fill the form, each bad one is explained and asked
    for again — a bad part never throws the good ones away."""
    _fill(turn, reading.found)
    advance(turn, explained=_explain(turn, reading))


def _explain(turn: Turn, reading: Reading) -> set[str]:
    """Say what was wrong; returns the form slots whose question that already asks."""
    _clear_rejected(turn, reading.problems)
    for problem in reading.problems:
        turn.say(problem, cities=_cities(turn), **reading.context)
    return {_REJECTED[problem][0] for problem in reading.problems}


def _refuse(turn: Turn, reading: Reading) -> None:
    """Only refused values: the first is explained and the state stays as it was. Care we
    cannot book, typed while asked who the appointment is for, asks that again after."""
    problem = reading.problems[0]
    missing = _missing(turn, fill=False) if turn.conversation.state == "collect" else None
    if problem == OUTSIDE and missing not in (None, "specialty"):
        turn.say(problem, **reading.context)
        return turn.reject(f"scheduling/ask_{missing}", family=turn.data["family"],
                           cities=_cities(turn), specialty=_specialty_name(turn))
    turn.reject(problem, cities=_cities(turn), **reading.context)


def _clear_rejected(turn: Turn, problems: list[str]) -> None:
    for problem in problems:
        _slot, flag, keys = _REJECTED[problem]
        turn.forget(*keys)
        if flag:
            turn.remember(**{flag: True})


def read_form(turn: Turn, text: str) -> Reading:
    reading = Reading()
    if not text:
        return reading
    found = reading.found
    if "patient" not in turn.data and (patient := _match_patient(turn, text)):
        found["patient"] = patient
    if specialty := match_specialty(text):
        found["specialty"] = specialty.code
    elif area := match_outside(text):  # "psicólogo": said, with what can be booked
        reading.problems.append(OUTSIDE)
        reading.context.update(outside_context(area.name))
    if city := match_city(text, _cities(turn)):
        found["city"] = list(city)
    elif _names_unknown_city(text):
        reading.problems.append("scheduling/not_understood_city")
    if professional := PROFESSIONAL.search(normalize(text)):
        found["professional"] = professional.group(1)
    wanted = parse_date_request(text, turn.today)
    if wanted is not None:
        if wanted.in_past or wanted.start < turn.today:
            reading.problems.append("scheduling/date_in_past")
        else:
            found.update(date_fields(wanted, turn.today))
    if period := parse_day_period(text):
        found["period"] = period  # "sexta à tarde", "de manhã"
    return reading


def _names_unknown_city(text: str) -> bool:
    place = named_place(text)
    return place is not None and match_specialty(place) is None and match_outside(place) is None


def date_fields(wanted: DateRequest, today: date) -> dict:
    """What the form remembers of a date request. `when` decides what an empty search
    means: only "soonest" (and a near period) can be an ANS guarantee case."""
    if wanted.from_on and wanted.start <= today:
        when = "soonest"  # "o quanto antes", "a partir de hoje"
    elif wanted.from_on:
        when = "from"
    elif wanted.end == wanted.start:
        when = "day"
    else:
        when = "period"  # "semana que vem", "até sexta", "entre 10 e 15/12"
    return {"start": wanted.start.isoformat(),
            "end": wanted.end.isoformat() if wanted.end else None, "when": when}


def _fill(turn: Turn, found: dict) -> None:
    turn.remember(**found)
    if "city" in found:
        turn.forget("city_rejected")
    if "start" in found:
        turn.forget("date_rejected")


def _missing(turn: Turn, fill: bool = True) -> str | None:
    if "patient" not in turn.data:
        return "patient"
    if "specialty" not in turn.data:
        return "specialty"
    if "city" not in turn.data:
        home = (turn.beneficiary.city, turn.beneficiary.state)
        if turn.data.get("city_rejected") or home not in _cities(turn):
            return "city"
        if fill:
            turn.remember(city=list(home))  # offer the person's own city instead of asking
    if turn.data.get("date_rejected"):
        return "date"
    return None


def advance(turn: Turn, explained: set[str] = frozenset()) -> None:
    """Ask for what the form still misses (unless the explanation of a bad value just
    asked for it), or search."""
    missing = _missing(turn)
    if missing:
        turn.goto("collect")
        if missing == "patient" and missing not in explained:
            # A choice: a list-picker when configured (the title typed back works too).
            return turn.say_choices("scheduling/ask_patient", items=_patient_items(turn),
                                    family=turn.data["family"], specialty=_specialty_name(turn))
        if missing not in explained:
            turn.say(f"scheduling/ask_{missing}", family=turn.data["family"],
                     cities=_cities(turn), specialty=_specialty_name(turn))
        return
    search(turn)


def _patient_items(turn: Turn) -> list[dict]:
    return [{"id": f"patient:{m['ref']}", "title": fit(m["name"], LIST_TITLE_MAX),
             "description": render("scheduling/patient_description", titular=i == 0)}
            for i, m in enumerate(turn.data["family"])]


def _match_patient(turn: Turn, text: str) -> str | None:
    family = turn.data.get("family", [])
    payload = turn.message.payload or ""
    if payload.startswith("patient:") and payload[8:] in {m["ref"] for m in family}:
        return payload[8:]  # picked from the list
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
                  offset=offset, has_more=more)
    turn.goto("pick")
    if found.nearest and announce and offset == 0:
        turn.say("scheduling/no_slots_on_date", specialty=specialty.name, city=city,
                 nearest=True, **_wanted_for_template(turn))
    turn.say_choices("scheduling/results", items=items, days=_by_day(page),
                     specialty=specialty.name, city=city, more=more, first_number=1,
                     period=turn.data.get("period"))


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


def slot_items(slots) -> list[dict]:
    """List-picker items: distinct, clean titles of at most 24 characters."""
    return [{"id": f"slot:{s.ref}", "title": title,
             "description": fit(render("scheduling/slot_description", slot=s),
                                 LIST_DESCRIPTION_MAX)}
            for s, title in zip(slots, _titles(slots))]


def _titles(slots) -> list[str]:
    # "25/11 09:30 Dr. Ricardo"; two Ricardos at the same time become "Ricardo T." and
    # "Ricardo L."; should even that collide, a number tells them apart.
    def title(slot, detailed: bool) -> str:
        return fit(render("scheduling/slot_title", slot=slot, detailed=detailed), LIST_TITLE_MAX)

    titles = [title(s, False) for s in slots]
    counts = Counter(titles)
    return distinct_titles([title(s, True) if counts[t] > 1 else t for s, t in zip(slots, titles)])


def distinct_titles(titles: list[str]) -> list[str]:
    """List-picker titles told apart by a number where they still collide: " (1)", " (2)"."""
    counts, seen = Counter(titles), Counter()
    titles = list(titles)
    for i, t in enumerate(titles):
        if counts[t] > 1:
            seen[t] += 1
            suffix = f" ({seen[t]})"
            titles[i] = fit(t, LIST_TITLE_MAX - len(suffix)) + suffix
    return titles


def fit(text: str, limit: int) -> str:
    """At most `limit` characters, never ending in a blank or a dash; a partial last word
    is dropped unless that would drop too much."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    whole_words = cut.rsplit(" ", 1)[0]
    if len(whole_words) >= limit * 3 // 4:
        cut = whole_words
    return cut.rstrip(" -–,")


def _by_day(slots) -> list[dict]:
    days: OrderedDict = OrderedDict()
    for number, slot in enumerate(slots, 1):
        days.setdefault(slot.starts_at.date(), []).append({"number": number, "slot": slot})
    return [{"day": d, "entries": entries} for d, entries in days.items()]


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


@flow.state("pick")
@outage_safe
def pick(turn: Turn) -> None:
    results = turn.data["results"]
    choice = turn.choice
    if choice.startswith("slot:") and choice[5:] in results:
        return _chosen(turn, choice[5:])
    norm = turn.norm
    if norm in MORE:
        if turn.data.get("has_more"):
            return search(turn, offset=turn.data["offset"] + PAGE)
        return turn.retry("scheduling/no_more")
    if norm in OTHER_DATE:
        turn.goto("ask_date")
        return turn.say("scheduling/ask_date")
    if WRONG_DATA.search(norm):  # noticed before choosing: as at the confirmation
        return _wrong_data(turn)
    # "3", "quero o 3", "opção 3", "o terceiro", "3º"; not "dia 3" (a date) or "às 3" (a time)
    number = choices.single(turn.text, len(results))
    if number:
        index = number - 1
        if 0 <= index < len(results):
            return _chosen(turn, results[index])
        return turn.retry("scheduling/pick_again", count=len(results))
    # A typed item title ("25/11 09:30 Dr. Ricardo") is a choice, not a date.
    titles = [normalize(t) for t in turn.data.get("titles", [])]
    if norm in titles:
        return _chosen(turn, results[titles.index(norm)])
    # Another date, specialty, city, professional or period in free text searches again.
    reading = read_form(turn, turn.text)
    changed = {k: v for k, v in reading.found.items() if turn.data.get(k) != v}
    if changed:
        return take_answer(turn, Reading(changed, reading.problems, reading.context))
    if reading.problems:  # refused ("ontem"): the list shown still stands
        return _refuse(turn, reading)
    turn.retry("scheduling/pick_again", count=len(results))


@flow.state("ask_date")
@outage_safe
def ask_date(turn: Turn) -> None:
    reading = read_form(turn, turn.text)  # a date, or another city/specialty ("em dourados")
    if reading.found:
        return take_answer(turn, reading)
    if reading.problems:
        return _refuse(turn, reading)
    turn.retry("scheduling/date_not_understood")


def _chosen(turn: Turn, slot_ref: str) -> None:
    try:
        slot = turn.registry.slot(slot_ref)
        patient = turn.registry.beneficiary(turn.data["patient"]) if slot else None
    except RegistryUnavailable:
        return turn.say("scheduling/try_later")  # still picking: the same number works later
    if slot is None:
        return turn.retry("scheduling/pick_again", count=len(turn.data["results"]))
    if _began(slot.starts_at):  # the list stayed open while its first hours went by
        return _offer_next(turn, "scheduling/slot_past")
    turn.remember(slot=slot_ref, slot_at=slot.starts_at.isoformat())
    turn.goto("confirm")
    turn.say_choices("scheduling/confirm", kind="buttons", items=_confirm_buttons(),
                     slot=slot, patient=patient, phone=turn.conversation.address,
                     specialty=_specialty_name(turn))


def _confirm_buttons() -> list[dict]:
    return [{"id": "confirm:yes", "title": render("scheduling/button_confirm")},
            {"id": "confirm:no", "title": render("scheduling/button_other_time")},
            {"id": "confirm:wrong_data", "title": render("scheduling/button_wrong_data")}]


@flow.state("confirm")
@outage_safe
def confirm(turn: Turn) -> None:
    answer = turn.message.payload or ""
    # Before yes/no: "não, meu telefone está errado" is about the data, not another slot.
    if answer == "confirm:wrong_data" or (not answer and WRONG_DATA.search(turn.norm)):
        return _wrong_data(turn)
    said = None if answer else intents.yes_no(turn.text, extra_yes=CONFIRM_EXTRA)
    if answer == "confirm:yes" or said is True:
        return _book(turn)
    if answer == "confirm:no" or said is False or turn.norm.strip(" .!") in OTHER_SLOT:
        return search(turn, offset=turn.data.get("offset", 0), announce=False)
    turn.retry("scheduling/confirm_yes_no")


def _wrong_data(turn: Turn) -> None:
    """Registration updates are a later journey: a human corrects the data with the person,
    who then books again. Nothing is booked with data the person says is wrong. The name
    comes from the form, so this works with the operator's system down too."""
    patient = next((m["name"] for m in turn.data.get("family", [])
                    if m["ref"] == turn.data["patient"]), turn.data["patient"])
    number = turn.data.get("protocol")
    turn.escalate(f"dados cadastrais a corrigir antes de agendar ({_specialty_name(turn)}) "
                  f"para {patient}", template="scheduling/wrong_data", patient_name=patient,
                  own=turn.data["patient"] == turn.conversation.beneficiary_ref)
    turn.end()
    turn.remember(protocol=number)  # attendants see the case number


def _began(starts_at: datetime) -> bool:
    return starts_at <= clock.local_now()


def _offer_next(turn: Turn, template: str) -> None:
    """The chosen slot cannot be booked any more: say why and show the next free ones."""
    turn.say(template)
    turn.forget("slot", "slot_at")
    turn.goto(SEARCH_AGAIN)  # no slot to confirm any more, whatever the search does
    search(turn, announce=False)


def _book(turn: Turn) -> None:
    reschedule_id = turn.data.get("reschedule_id")
    if turn.data.get("slot_at") and _began(datetime.fromisoformat(turn.data["slot_at"])):
        return _offer_next(turn, "scheduling/slot_past")  # "sim" came after it began
    try:
        patient = turn.registry.beneficiary(turn.data["patient"])
        appointment = appointments.book(
            turn.session, turn.registry, turn.settings, slot_ref=turn.data["slot"],
            patient=patient, booked_by_ref=turn.conversation.beneficiary_ref,
            # a rescheduled appointment keeps its own protocol and history
            protocol_number=turn.data.get("appointment_protocol") or turn.data["protocol"],
            conversation_id=turn.conversation.id,
            booking_key=f"conv{turn.conversation.id}-msg{turn.message.external_id}",
            specialty=turn.data["specialty"],
        )
    except SlotTaken:
        return _offer_next(turn, "scheduling/slot_taken")
    except RegistryUnavailable:
        return turn.say("scheduling/try_later")  # still in "confirm": "sim" again later
    if reschedule_id:
        old = turn.session.get(Appointment, reschedule_id)
        appointments.replace(turn.session, turn.registry, old, appointment)
        turn.close_protocol("concluido", f"consulta do protocolo {appointment.protocol_number} "
                                         f"remarcada")
    else:
        turn.close_protocol("agendado", f"consulta em {appointment.starts_at:%d/%m/%Y %H:%M}")
    if appointment.reminder_at:
        rt, appointment_id, at = turn.runtime, appointment.id, appointment.reminder_at
        turn.defer(lambda: appointments.schedule_reminder(rt, appointment_id, at))
    turn.say("scheduling/booked", appointment=appointment, provider=appointment.provider,
             specialty=_specialty_name(turn), number=appointment.protocol_number,
             rescheduled=bool(reschedule_id), hours=turn.settings.reminder_hours_before)
    turn.end()
