"""The scheduling form, in the style of rasa_sdk: every message may fill any of the slots
(who, specialty, city, date, period, professional); what is missing is asked for, what is
wrong is explained and asked for again, and a full form searches."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.engine import Turn
from bot.flows.scheduling.cities import match_city, named_place
from bot.flows.scheduling.search import search
from bot.flows.scheduling.specialties import CATALOGUE, by_code, match_outside, match_specialty
from bot.flows.scheduling.titles import fit
from bot.language.dates import DateRequest, parse_date_request, parse_day_period
from bot.language.templates import render
from bot.language.text import normalize
from bot.services.outbox import LIST_TITLE_MAX

PROFESSIONAL = re.compile(r"\b(?:dr|dra|doutor|doutora)\.? ([a-z]{3,})")
MYSELF = {"eu", "para mim", "pra mim", "mim", "eu mesmo", "eu mesma", "pra eu", "para eu"}
NOT_UNDERSTOOD = {"patient": "scheduling/not_understood_patient",
                  "specialty": "scheduling/not_understood_specialty",
                  "city": "scheduling/not_understood_city",
                  "date": "scheduling/date_not_understood"}
OUTSIDE = "scheduling/outside_catalogue"
IMPOSSIBLE_DATE = "scheduling/date_impossible"  # "30/02 não existe", wherever it is typed
# A bad value is asked for again, never silently replaced (by the home city, by "the
# soonest"): problem template -> (form slot, flag kept until a valid value, keys it clears).
# A specialty outside the catalogue clears nothing: the one already chosen (if any) stands.
_REJECTED = {"scheduling/not_understood_city": ("city", "city_rejected", ("city",)),
             "scheduling/date_in_past": ("date", "date_rejected", ("start", "end", "when")),
             IMPOSSIBLE_DATE: ("date", "date_rejected", ("start", "end", "when")),
             OUTSIDE: ("specialty", None, ())}


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


def take_answer(turn: Turn, reading: "Reading") -> None:
    """Form semantics: the valid values fill the form, each bad one is explained and asked
    for again — a bad part never throws the good ones away."""
    fill_form(turn, reading.found)
    advance(turn, explained=explain(turn, reading))


def explain(turn: Turn, reading: Reading) -> set[str]:
    """Say what was wrong; returns the form slots whose question that already asks."""
    clear_rejected(turn, reading.problems)
    for problem in reading.problems:
        turn.say(problem, cities=known_cities(turn), **reading.context)
    return {_REJECTED[problem][0] for problem in reading.problems}


def refuse(turn: Turn, reading: Reading) -> None:
    """Only refused values: the first is explained and the state stays as it was. Care we
    cannot book, typed while asked who the appointment is for, asks that again after."""
    problem = reading.problems[0]
    missing = missing_slot(turn, fill=False) if turn.conversation.state == "collect" else None
    if problem == OUTSIDE and missing not in (None, "specialty"):
        turn.say(problem, **reading.context)
        return turn.reject(f"scheduling/ask_{missing}", family=turn.data["family"],
                           cities=known_cities(turn), specialty=specialty_name(turn))
    turn.reject(problem, cities=known_cities(turn), **reading.context)


def clear_rejected(turn: Turn, problems: list[str]) -> None:
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
    if city := match_city(text, known_cities(turn)):
        found["city"] = list(city)
    elif _names_unknown_city(text):
        reading.problems.append("scheduling/not_understood_city")
    if professional := PROFESSIONAL.search(normalize(text)):
        found["professional"] = professional.group(1)
    wanted = parse_date_request(text, turn.today)
    if wanted is not None:
        if wanted.impossible:
            reading.problems.append(IMPOSSIBLE_DATE)
            reading.context["written"] = wanted.written
        elif wanted.in_past or wanted.start < turn.today:
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


def fill_form(turn: Turn, found: dict) -> None:
    turn.remember(**found)
    if "city" in found:
        turn.forget("city_rejected")
    if "start" in found:
        turn.forget("date_rejected")


def missing_slot(turn: Turn, fill: bool = True) -> str | None:
    if "patient" not in turn.data:
        return "patient"
    if "specialty" not in turn.data:
        return "specialty"
    if "city" not in turn.data:
        home = (turn.beneficiary.city, turn.beneficiary.state)
        if turn.data.get("city_rejected") or home not in known_cities(turn):
            return "city"
        if fill:
            turn.remember(city=list(home))  # offer the person's own city instead of asking
    if turn.data.get("date_rejected"):
        return "date"
    return None


def advance(turn: Turn, explained: set[str] = frozenset()) -> None:
    """Ask for what the form still misses (unless the explanation of a bad value just
    asked for it), or search."""
    missing = missing_slot(turn)
    if missing:
        turn.goto("collect")
        if missing == "patient" and missing not in explained:
            # A choice: a list-picker when configured (the title typed back works too).
            return turn.say_choices("scheduling/ask_patient", items=_patient_items(turn),
                                    family=turn.data["family"], specialty=specialty_name(turn))
        if missing not in explained:
            turn.say(f"scheduling/ask_{missing}", family=turn.data["family"],
                     cities=known_cities(turn), specialty=specialty_name(turn))
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


def known_cities(turn: Turn) -> list[tuple[str, str]]:
    if "cities" not in turn.scratch:
        turn.scratch["cities"] = [tuple(c) for c in turn.registry.cities()]
    return turn.scratch["cities"]


def specialty_name(turn: Turn) -> str | None:
    code = turn.data.get("specialty")
    return by_code(code).name if code else None
