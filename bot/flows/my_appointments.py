"""'Minhas consultas': list upcoming appointments, cancel (frees the slot) or reschedule
(keeps the protocol and its history); also answers a reminder's confirm / cancel."""
from __future__ import annotations

import re

from bot import appointments, clock
from bot.engine import Flow, Turn, register, route_payload
from bot.flows import scheduling
from bot.registry.base import RegistryUnavailable
from bot.scheduling.specialties import by_code
from storage.models import Appointment

flow = register(Flow(
    "minhas_consultas", journey="minhas_consultas", needs_identity=True, menu_order=3,
    menu_label="Minhas consultas (cancelar ou remarcar)",
    intents=["minhas consultas", "minha consulta", "cancelar consulta", "desmarcar consulta",
             "remarcar consulta", "remarcar", "desmarcar", "mudar minha consulta",
             "consultas agendadas", "meus agendamentos"],
))

ACTION = re.compile(r"^(cancelar|desmarcar|remarcar|mudar)\s*(?:a\s*)?(?:consulta\s*)?(\d+)?$")
REMINDER_CONFIRM = scheduling.YES | {"confirmar", "vou", "estarei la", "confirmo presenca"}
REMINDER_CANCEL = {"cancelar", "desmarcar", "cancelar consulta", "desmarcar consulta"}
REMINDER_DECLINE = {"nao", "nao vou", "nao posso", "nao vou poder"}  # asked before cancelling
REMINDER_RESCHEDULE = {"remarcar", "mudar", "remarcar consulta", "outro horario"}


@flow.on_entry
def start(turn: Turn) -> None:
    if turn.data.get("reschedule_appointment"):  # "remarcar" answering a reminder
        appointment = turn.session.get(Appointment, turn.data["reschedule_appointment"])
        return _start_reschedule(turn, appointment)
    items = appointments.upcoming_for(turn.session, turn.conversation.beneficiary_ref)
    if not items:
        turn.say("appointments/none")
        turn.close_protocol("concluido", "nenhuma consulta futura")
        turn.end()
        return
    turn.remember(appointments=[a.id for a in items])
    turn.goto("manage")
    turn.say("appointments/list", items=items, names=_specialties(items))


def _specialties(items) -> dict:
    return {a.id: by_code(a.specialty).name for a in items}


@flow.state("manage", claims={"cancel"})
def manage(turn: Turn) -> None:
    ids = turn.data["appointments"]
    match = ACTION.match(turn.norm)
    number = None
    action = turn.data.get("pending_action")
    if match:
        action = "cancel" if match.group(1) in ("cancelar", "desmarcar") else "reschedule"
        number = int(match.group(2)) if match.group(2) else (1 if len(ids) == 1 else None)
        if number is None:  # "cancelar" with several appointments: which one?
            turn.remember(pending_action=action)
            return turn.say("appointments/which", action=action, count=len(ids))
    elif turn.norm.strip(" .)").isdigit():
        number = int(turn.norm.strip(" .)"))
    if number is None or not 1 <= number <= len(ids):
        return turn.retry("appointments/manage_again", count=len(ids))
    turn.remember(selected=ids[number - 1])
    turn.forget("pending_action")
    if action is None:
        turn.goto("choose_action")
        return turn.say("appointments/choose_action")
    _act(turn, action)


@flow.state("choose_action", claims={"cancel"})
def choose_action(turn: Turn) -> None:
    if turn.norm in {"cancelar", "desmarcar", "1", "cancelar consulta"}:
        return _act(turn, "cancel")
    if turn.norm in {"remarcar", "mudar", "2", "outro horario", "remarcar consulta"}:
        return _act(turn, "reschedule")
    turn.retry("appointments/choose_action")


def _act(turn: Turn, action: str) -> None:
    appointment = turn.session.get(Appointment, turn.data["selected"])
    if not _still_booked(turn, appointment):
        return
    if action == "cancel":
        turn.goto("confirm_cancel")
        return turn.say("appointments/confirm_cancel", appointment=appointment,
                        specialty=by_code(appointment.specialty).name)
    _start_reschedule(turn, appointment)


def _still_booked(turn: Turn, appointment: Appointment | None) -> bool:
    """Cancelled or rescheduled meanwhile (another message, a reminder button): say so."""
    if appointment is not None and appointment.status == "booked":
        return True
    turn.say("appointments/already_cancelled")
    turn.close_protocol("concluido", "consulta não está mais ativa")
    turn.end()
    return False


def _start_reschedule(turn: Turn, appointment: Appointment | None) -> None:
    """Search again for the same patient and specialty; the booking replaces this one.

    This journey's own protocol stays the conversation's (so giving up closes it, not the
    appointment's); the appointment's protocol is only touched when the new slot is booked.
    """
    if not _still_booked(turn, appointment):
        return
    c = turn.conversation
    c.flow, c.state = "agendamento", None
    c.data = {
        "protocol": turn.data.get("protocol"), "reschedule_id": appointment.id,
        "appointment_protocol": appointment.protocol_number,
        "patient": appointment.patient_ref, "specialty": appointment.specialty,
        "city": [appointment.provider["city"], appointment.provider["state"]],
        "family": [{"ref": appointment.patient_ref, "name": appointment.patient_name}],
    }
    turn.say("appointments/rescheduling", appointment=appointment)
    scheduling.search(turn)


@flow.state("confirm_cancel")
def confirm_cancel(turn: Turn) -> None:
    if turn.norm in scheduling.YES:
        appointment = turn.session.get(Appointment, turn.data["selected"])
        if appointment is None:
            return _still_booked(turn, None)
        if not _cancel(turn, appointment):
            return  # the operator's system is down: still asking, nothing changed
        turn.close_protocol("concluido", f"consulta {appointment.id} cancelada")
        turn.end()
    elif turn.norm in scheduling.NO:
        turn.say("appointments/kept")
        turn.close_protocol("concluido", "cancelamento desistido")
        turn.end()
    else:
        turn.retry("appointments/confirm_cancel_yes_no")


def _cancel(turn: Turn, appointment: Appointment) -> bool:
    """Cancel and free the slot; False (and "try later") when the registry is down."""
    if appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return True
    try:
        appointments.cancel(turn.session, turn.registry, appointment, "cancelada pelo beneficiário")
    except RegistryUnavailable:
        turn.say("appointments/try_later")
        return False
    turn.say("appointments/cancelled", appointment=appointment,
             specialty=by_code(appointment.specialty).name)
    return True


# -- answers to a reminder ---------------------------------------------------------------
@flow.state("reminder_reply", claims={"cancel"})
def reminder_reply(turn: Turn) -> None:
    """Set by appointments.send_reminder; survives idle expiry until the appointment."""
    answer = _reminder_answer(turn.norm)
    if answer is None:
        return turn.retry("appointments/reminder_again")
    appointment = turn.session.get(Appointment, turn.data.get("appointment_id") or 0)
    if appointment is None or appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return turn.end()
    if answer == "reschedule":  # a journey of its own: protocol, identity, then the search
        return turn.start_flow("minhas_consultas", reschedule_appointment=appointment.id)
    if answer == "decline":  # "não" is not "cancelar": ask before freeing the slot
        turn.remember(selected=appointment.id)
        turn.goto("confirm_cancel")
        return turn.say("appointments/confirm_cancel", appointment=appointment,
                        specialty=by_code(appointment.specialty).name)
    if answer == "confirm":
        _confirm(turn, appointment)
    elif not _cancel(turn, appointment):
        return
    turn.end()


def _reminder_answer(norm: str) -> str | None:
    for answer, words in (("confirm", REMINDER_CONFIRM), ("cancel", REMINDER_CANCEL),
                          ("decline", REMINDER_DECLINE), ("reschedule", REMINDER_RESCHEDULE)):
        if norm.strip(" .!") in words:
            return answer
    return None


def _confirm(turn: Turn, appointment: Appointment) -> None:
    if appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return
    appointment.confirmed_at = appointment.confirmed_at or clock.now()
    turn.say("appointments/confirmed", appointment=appointment)


@route_payload
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
    elif not _cancel(turn, appointment):
        return True
    if turn.conversation.flow == "minhas_consultas" and turn.conversation.state == "reminder_reply":
        turn.end()
    return True
