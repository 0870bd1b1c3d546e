"""What a message says about an appointment already booked (issue 11): cancel or
reschedule, which one ("a consulta do cardio", "a de sexta") and, for a reschedule, the new
date ("pra sexta de manhã"). "preciso remarcar a consulta do cardio pra sexta de manha"
is all three at once; the journey uses what it can instead of asking again."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.flows.scheduling.specialties import match_specialty
from bot.language.dates import parse_date_request
from bot.language.text import normalize

# "remarcar", "quero outro horário", "não, na vdd qro remarcar" — but not "não quero remarcar".
RESCHEDULE = re.compile(r"\b(?:remarc\w*|reagend\w*|outro horario|outra data|outro dia|"
                        r"mudar (?:o |a |de )?(?:horario|data|dia))\b")
NOT_RESCHEDULE = re.compile(r"\b(?:nao|sem) (?:quero |precisa |precisa de |vou |preciso )?"
                            r"(?:remarc|reagend)")
CANCEL = re.compile(r"\b(?:cancel\w*|desmarc\w*)\b")
NOT_CANCEL = re.compile(r"\b(?:nao|sem) (?:quero |precisa |precisa de |vou |preciso )?"
                        r"(?:cancel|desmarc)")
# Where a reschedule's new date begins: "remarcar a de segunda pra sexta", "para o dia 10".
TARGET = re.compile(r"\b(?:pra|para|pro|p/)\b")


def wants_reschedule(norm: str) -> bool:
    return bool(RESCHEDULE.search(norm)) and not NOT_RESCHEDULE.search(norm)


@dataclass(frozen=True)
class AppointmentRequest:
    action: str | None  # "cancel", "reschedule", or None when the text names neither
    specialty: str | None = None  # the appointment's specialty named ("do cardio")
    day: date | None = None  # the appointment's day named ("a consulta de sexta")
    wanted: str = ""  # a reschedule's new date and time, as written ("sexta de manha")


def read_request(text: str, today: date) -> AppointmentRequest:
    """The action, the appointment it is about and (rescheduling) the new date. The words
    after "pra"/"para" that follows the reschedule verb are the new date; the words before
    name the appointment, as all the words of a cancellation do."""
    norm = normalize(text or "")
    if wants_reschedule(norm):
        action = "reschedule"
    elif CANCEL.search(norm) and not NOT_CANCEL.search(norm):
        action = "cancel"
    else:
        return AppointmentRequest(None)
    about, wanted = norm, ""
    if action == "reschedule":
        verb = RESCHEDULE.search(norm)
        target = TARGET.search(norm, verb.end()) if verb else None
        if target:
            about, wanted = norm[:target.start()], norm[target.end():].strip()
    specialty = match_specialty(about)
    named = parse_date_request(about, today)
    day = (named.start if named is not None and not (named.impossible or named.in_past)
           and named.end == named.start else None)
    return AppointmentRequest(action, specialty.code if specialty else None, day, wanted)


def matching(items: list, request: AppointmentRequest) -> list:
    """The appointments of `items` the request can be about: those of the specialty and
    on the day it names (all of them when it names neither)."""
    return [a for a in items
            if (request.specialty is None or a.specialty == request.specialty)
            and (request.day is None or a.starts_at.date() == request.day)]
