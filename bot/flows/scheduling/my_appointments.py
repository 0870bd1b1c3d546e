"""'Minhas consultas': list upcoming appointments, cancel (frees the slot) or reschedule
(keeps the protocol and its history); also answers reminders' confirm / cancel."""
from __future__ import annotations

import re

from bot.engine import Flow, MenuEntry, Turn
from bot.flows.scheduling import appointments
from bot.flows.scheduling import flow as scheduling
from bot.flows.scheduling.appointment_requests import matching, read_request, wants_reschedule
from bot.flows.scheduling.specialties import by_code
from bot.flows.scheduling.titles import distinct_titles, fit
from bot.language import choices, intents
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.services.outbox import LIST_DESCRIPTION_MAX, LIST_TITLE_MAX
from storage.models import Appointment

flow = Flow(
    "minhas_consultas", journey="minhas_consultas", needs_identity=True,
    menu=MenuEntry(3, "Minhas consultas (cancelar ou remarcar)"),
    intents=["minhas consultas", "minha consulta", "cancelar consulta", "desmarcar consulta",
             "remarcar consulta", "remarcar", "desmarcar", "mudar minha consulta",
             "consultas agendadas", "meus agendamentos",
             # issue 11: an appointment that exists (before a specialty's name starts a new one)
             "consulta marcada", "consultas marcadas", "quais consultas", "cancelar agendamento",
             "desmarcar agendamento", "horario da consulta", "ir na consulta", "ir a consulta",
             "vou na consulta", "adiar consulta", "trocar dia da consulta", "mudar consulta",
             "cancelar a consulta", "e que horas"],
)

ACTION = re.compile(r"^(cancela|cancelar|desmarca|desmarcar|remarcar|mudar)\s*(?:a\s*)?"
                    r"(?:consulta\s*)?(\d+)?$")
CANCEL_WORDS = {"cancelar", "desmarcar", "cancelar consulta", "desmarcar consulta", "cancela",
                "desmarca"}
# At "Confirma o cancelamento?" the cancel words themselves are the yes ("cancela", "pode
# desmarcar"); "sair"/"tchau" are not answers there and still leave, keeping the appointment.
CANCEL_YES = CANCEL_WORDS | {"pode cancelar", "pode desmarcar", "confirmo o cancelamento",
                             "confirmo", "confirmar", "cancelar sim", "cancela sim",
                             "pode cancelar sim", "quero cancelar", "cancelar mesmo"}
REMINDER_CONFIRM = {"confirmar", "vou", "vou sim", "irei", "estarei la", "confirmo presenca",
                    "pode confirmar"}
REMINDER_DECLINE = {"nao vou", "nao posso", "nao vou poder", "nao irei"}  # asked before cancelling
NUMBERED = re.compile(r"^(.*?)\s*(\d{1,2})?$")  # "cancelar 2" -> ("cancelar", "2")


@flow.on_entry
def start(turn: Turn) -> None:
    if turn.data.get("reschedule_appointment"):  # "remarcar" answering a reminder
        appointment = turn.session.get(Appointment, turn.data["reschedule_appointment"])
        return _start_reschedule(turn, appointment)
    items = appointments.upcoming_for(turn.session, turn.conversation.beneficiary_ref,
                                      _dependent_refs(turn))
    if not items:
        turn.say("appointments/none")
        turn.close_protocol("concluido", "nenhuma consulta futura")
        turn.end()
        return
    turn.remember(appointments=[a.id for a in items])
    # "preciso remarcar a consulta do cardio pra sexta de manhã", "cancela a consulta de
    # sexta": with one appointment it can be about, the action and the new date are used.
    request = read_request(turn.data.get("entry_text", ""), turn.today)
    if request.action and len(chosen := matching(items, request)) == 1:
        turn.remember(selected=chosen[0].id)
        return _act(turn, request.action, wanted=request.wanted)
    turn.goto("manage")
    # Who an appointment is for is said only when it is not the person writing (a
    # dependent's), so a titular's list reads at a glance.
    context = dict(appointments=items, names=_specialties(items),
                   viewer_ref=turn.conversation.beneficiary_ref)
    if len(items) == 1:
        return turn.say("appointments/list", interactive=False, **context)
    # Several: which one is a choice, a list-picker when configured (as the search's slots).
    picker = _choice_items(items, context["names"], context["viewer_ref"])
    turn.remember(titles=[c["title"] for c in picker])
    turn.say_choices("appointments/list", items=picker, **context)


def _choice_items(items, names: dict, viewer_ref: str | None) -> list[dict]:
    """List-picker items: "30/11 08:00 Cardiologia" (≤ 24 characters, told apart when two
    collide), the professional and, for a dependent's, the patient below."""
    titles = distinct_titles([
        fit(render("appointments/list_title", appointment=a, specialty=names[a.id]),
            LIST_TITLE_MAX) for a in items])
    return [{"id": f"appt:{a.id}", "title": title,
             "description": fit(render("appointments/list_description", appointment=a,
                                       viewer_ref=viewer_ref), LIST_DESCRIPTION_MAX)}
            for a, title in zip(items, titles)]


def _picked(turn: Turn, ids: list[int]) -> int | None:
    """The number of the appointment chosen on the list-picker (its id, or its title typed)."""
    match = re.fullmatch(r"appt:(\d{1,18})", turn.message.payload or "")
    if match and int(match.group(1)) in ids:
        return ids.index(int(match.group(1))) + 1
    titles = [normalize(t) for t in turn.data.get("titles", [])]
    norm = normalize(turn.text).strip()
    return titles.index(norm) + 1 if norm and norm in titles else None


def _dependent_refs(turn: Turn) -> list[str]:
    """A titular's dependents, whose appointments are the titular's to see and manage. With
    the operator's system down the list still shows what was booked from here."""
    try:
        person = turn.beneficiary
        return [d.ref for d in turn.registry.dependents(person.ref)] if person and person.is_holder else []
    except RegistryUnavailable:
        return []


def _specialties(items) -> dict:
    return {a.id: by_code(a.specialty).name for a in items}


@flow.state("manage", claims={"cancel"})
def manage(turn: Turn) -> None:
    ids = turn.data["appointments"]
    norm = turn.norm.strip(" .!)")
    match = ACTION.match(norm)
    number = None
    action = turn.data.get("pending_action")
    picked = _picked(turn, ids)
    if picked is not None:
        number = picked
    elif match:
        action = "reschedule" if match.group(1) in ("remarcar", "mudar") else "cancel"
        number = int(match.group(2)) if match.group(2) else (1 if len(ids) == 1 else None)
        if number is None:
            if turn.data.get("pending_action"):
                # "Which one?" was asked already: the bare word again is not an answer, so
                # "cancelar" runs as the global command (the person wants out).
                return turn.retry("appointments/manage_again", count=len(ids))
            turn.remember(pending_action=action)  # "cancelar" with several: which one?
            return turn.say("appointments/which", action=action, count=len(ids))
    elif norm.isdigit():
        number = int(norm)
    wanted = ""
    if number is None:  # "remarcar pra sexta de manhã", "cancela a do cardio"
        request = read_request(turn.text, turn.today)
        listed = [a for a in (turn.session.get(Appointment, i) for i in ids) if a is not None]
        chosen = matching(listed, request) if request.action else []
        if len(chosen) == 1:
            number, action, wanted = ids.index(chosen[0].id) + 1, request.action, request.wanted
    if number is None or not 1 <= number <= len(ids):
        return turn.retry("appointments/manage_again", count=len(ids))
    turn.remember(selected=ids[number - 1])
    turn.forget("pending_action")
    if action is None:
        turn.goto("choose_action")
        return turn.say("appointments/choose_action")
    _act(turn, action, wanted=wanted)


@flow.state("choose_action", claims={"cancel"})
def choose_action(turn: Turn) -> None:
    norm = turn.norm.strip(" .!)")
    if norm in CANCEL_WORDS or norm == "1":
        return _act(turn, "cancel")
    if norm in {"2", "mudar"} or wants_reschedule(norm):
        return _act(turn, "reschedule", wanted=read_request(turn.text, turn.today).wanted)
    turn.retry("appointments/choose_action")


def _act(turn: Turn, action: str, wanted: str = "") -> None:
    appointment = turn.session.get(Appointment, turn.data["selected"])
    if not _still_booked(turn, appointment):
        return
    if action == "cancel":
        turn.goto("confirm_cancel")
        return turn.say("appointments/confirm_cancel", appointment=appointment,
                        specialty=by_code(appointment.specialty).name)
    _start_reschedule(turn, appointment, wanted)


def _still_booked(turn: Turn, appointment: Appointment | None) -> bool:
    """Cancelled or rescheduled meanwhile (another message, a reminder button): say so."""
    if appointment is not None and appointment.status == "booked":
        return True
    turn.say("appointments/already_cancelled")
    turn.close_protocol("concluido", "consulta não está mais ativa")
    turn.end()
    return False


def _start_reschedule(turn: Turn, appointment: Appointment | None, wanted: str = "") -> None:
    """Search again for the same patient and specialty; the booking replaces this one.

    This journey's own protocol stays the conversation's (so giving up closes it, not the
    appointment's); the appointment's protocol is only touched when the new slot is booked.
    """
    if not _still_booked(turn, appointment):
        return
    turn.say("appointments/rescheduling", appointment=appointment)
    scheduling.search_for_reschedule(turn, appointment, protocol=turn.data.get("protocol"),
                                     wanted=wanted)


@flow.state("confirm_cancel", claims={"cancel"})
def confirm_cancel(turn: Turn) -> None:
    if wants_reschedule(turn.norm):  # changed their mind: "não, na verdade quero remarcar"
        return _reschedule_instead(turn)
    answer = intents.yes_no(turn.text, extra_yes=CANCEL_YES)
    if answer is True:
        appointment = turn.session.get(Appointment, turn.data["selected"])
        if appointment is None:
            return _still_booked(turn, None)
        _cancel(turn, appointment)
        turn.close_protocol("concluido", f"consulta {appointment.id} cancelada")
        _done_with(turn, appointment.id)
    elif answer is False:
        turn.say("appointments/kept")
        turn.close_protocol("concluido", "cancelamento desistido")
        _done_with(turn, turn.data["selected"])
    else:
        turn.retry("appointments/confirm_cancel_yes_no")


def _reschedule_instead(turn: Turn) -> None:
    """Rescheduling asked for at the cancellation question. "remarcar 2" names an
    appointment of the list shown; otherwise it is the one being cancelled."""
    listed = turn.data.get("appointments") or []
    number = NUMBERED.match(turn.norm.strip(" .!")).group(2)
    if number and 1 <= int(number) <= len(listed):
        turn.remember(selected=listed[int(number) - 1])
    appointment = turn.session.get(Appointment, turn.data["selected"])
    if turn.data.get("protocol") is None:
        # Came from a reminder: rescheduling is a journey of its own (protocol, identity).
        if not _still_booked(turn, appointment):
            return
        return turn.start_flow("minhas_consultas", reschedule_appointment=appointment.id)
    _start_reschedule(turn, appointment)


def _done_with(turn: Turn, appointment_id: int) -> None:
    """End here, or go back to the reminders still waiting for an answer."""
    waiting = [a for a in appointments.pending_reminders(turn.session, turn.data)
               if a.id != appointment_id]
    if not waiting:
        return turn.end()
    turn.conversation.data = appointments.reminder_data(waiting)
    turn.goto("reminder_reply")


def _cancel(turn: Turn, appointment: Appointment) -> None:
    """Cancel and free the slot. With the operator's system down the cancellation still
    counts and the release is owed (appointments.cancel): the person is not asked to come
    back, and the reply does not claim the slot is free yet."""
    if appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return
    appointments.cancel(turn.session, turn.registry, appointment, "cancelada pelo beneficiário")
    turn.say("appointments/cancelled", appointment=appointment,
             specialty=by_code(appointment.specialty).name)


# -- answers to reminders ----------------------------------------------------------------
@flow.state("reminder_reply", claims={"cancel"})
def reminder_reply(turn: Turn) -> None:
    """Set by appointments.send_reminder; survives idle expiry until the appointments.

    Several reminders may wait together (a dependent's appointment the same day): "sim"
    confirms them all and says which; cancelling, declining or rescheduling names one,
    so with several the bot asks which (or takes "cancelar 2")."""
    answer, number = _reminder_answer(turn.text)
    if answer is None:
        return turn.retry("appointments/reminder_again")
    waiting = appointments.pending_reminders(turn.session, turn.data)
    if not waiting:
        turn.say("appointments/already_cancelled")
        return turn.end()
    if answer == "confirm" and number is None:
        return _confirm_all(turn, waiting)
    if number is not None:
        if not 1 <= number <= len(waiting):
            return turn.retry("appointments/reminder_which", action=answer, appointments=waiting,
                              names=_specialties(waiting), interactive=False)
        return _answer_reminder(turn, answer, waiting[number - 1])
    if len(waiting) == 1:
        return _answer_reminder(turn, answer, waiting[0])
    # The answer counts in the list shown, even if one of them starts (or is cancelled by
    # a button) before it arrives: "1" never silently becomes the other appointment.
    turn.remember(pending_action=answer)
    turn.goto("reminder_which")
    _ask_which_reminder(turn, answer, waiting)


def _ask_which_reminder(turn: Turn, action: str, waiting: list[Appointment]) -> None:
    """Which of the reminded appointments: a list-picker when configured (as "minhas
    consultas"), numbered text otherwise."""
    names = _specialties(waiting)
    items = _remember_shown(turn, waiting, names)
    turn.say_choices("appointments/reminder_which", items=items, action=action,
                     appointments=waiting, names=names)


def _remember_shown(turn: Turn, waiting: list[Appointment], names: dict) -> list[dict]:
    """The list the next answer counts in (numbers, list ids, typed titles); its items."""
    items = _choice_items(waiting, names, turn.conversation.beneficiary_ref)
    turn.remember(shown=[a.id for a in waiting], titles=[c["title"] for c in items])
    return items


@flow.state("reminder_which")
def reminder_which(turn: Turn) -> None:
    waiting = appointments.pending_reminders(turn.session, turn.data)
    if not waiting:
        turn.say("appointments/already_cancelled")
        return turn.end()
    action = turn.data["pending_action"]
    shown = turn.data.get("shown") or [a.id for a in waiting]
    number = _picked(turn, shown) or choices.single(turn.text, len(shown))
    if number is not None and 1 <= number <= len(shown):
        chosen = next((a for a in waiting if a.id == shown[number - 1]), None)
        if chosen is None:  # no longer ahead and booked: say so, the others keep waiting
            turn.say("appointments/already_cancelled")
            return _done_with(turn, shown[number - 1])
        return _answer_reminder(turn, action, chosen)
    # The list asked again is the one counted; as plain text, like every retry.
    names = _specialties(waiting)
    _remember_shown(turn, waiting, names)
    turn.retry("appointments/reminder_which", action=action, appointments=waiting,
               names=names, interactive=False)


def _reminder_answer(text: str) -> tuple[str | None, int | None]:
    """('confirm' | 'cancel' | 'decline' | 'reschedule' | None, the number given if any)."""
    words, number = NUMBERED.match(normalize(text).strip(" .!")).groups()
    words = words.strip(" .!,")
    number = int(number) if number else None
    if wants_reschedule(words):
        return "reschedule", number
    if words in CANCEL_WORDS:
        return "cancel", number
    if words in REMINDER_DECLINE:
        return "decline", number
    yes = intents.yes_no(words, extra_yes=REMINDER_CONFIRM)
    if yes is None:
        return None, None
    return ("confirm" if yes else "decline"), number


def _answer_reminder(turn: Turn, answer: str, appointment: Appointment) -> None:
    if answer == "reschedule":  # a journey of its own: protocol, identity, then the search
        return turn.start_flow("minhas_consultas", reschedule_appointment=appointment.id)
    if answer == "decline":  # "não" is not "cancelar": ask before freeing the slot
        turn.remember(selected=appointment.id)
        turn.goto("confirm_cancel")
        return turn.say("appointments/confirm_cancel", appointment=appointment,
                        specialty=by_code(appointment.specialty).name)
    if answer == "confirm":
        _confirm(turn, appointment)
    else:
        _cancel(turn, appointment)
    _done_with(turn, appointment.id)


def _confirm_all(turn: Turn, waiting: list[Appointment]) -> None:
    for appointment in waiting:
        appointment.confirmed_at = appointment.confirmed_at or clock.now()
    turn.say("appointments/confirmed", items=waiting, names=_specialties(waiting))
    turn.end()


def _confirm(turn: Turn, appointment: Appointment) -> None:
    if appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return
    appointment.confirmed_at = appointment.confirmed_at or clock.now()
    turn.say("appointments/confirmed", items=[appointment], names=_specialties([appointment]))


@flow.button(standalone=True)
def reminder_buttons(turn: Turn) -> bool:
    payload = turn.message.payload or ""
    match = re.fullmatch(r"appt-(confirm|cancel):(\d{1,18})", payload)  # fits a BIGINT
    if not match:
        return False
    appointment = turn.session.get(Appointment, int(match.group(2)))
    mine = appointment is not None and turn.conversation.id == appointment.conversation_id
    if not mine:
        turn.say("appointments/already_cancelled")
        return True
    if match.group(1) == "confirm":
        _confirm(turn, appointment)
    else:
        _cancel(turn, appointment)
    c = turn.conversation
    if c.flow != flow.name:
        return True
    # A question about this very appointment ("cancelar ou remarcar?", "confirma o
    # cancelamento?") is answered by the button: a later "sim" must not cancel what the
    # person just confirmed.
    about_it = c.state in ("choose_action", "confirm_cancel") and c.data.get("selected") == appointment.id
    if about_it:
        turn.close_protocol("concluido", f"consulta {appointment.id} respondida pelo botão do lembrete")
    if about_it or c.state in ("reminder_reply", "reminder_which"):
        _done_with(turn, appointment.id)  # the other reminders still wait for their answer
    return True
