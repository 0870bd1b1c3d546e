"""'Minhas consultas': list upcoming appointments, cancel (frees the slot) or reschedule
(keeps the protocol and its history); also answers a reminder's confirm / cancel."""
from __future__ import annotations

import re

from bot import appointments, clock
from bot.engine import Flow, Turn, register, route_payload
from bot.flows import scheduling
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


@flow.on_entry
def start(turn: Turn) -> None:
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


@flow.state("manage")
def manage(turn: Turn) -> None:
    ids = turn.data["appointments"]
    match = ACTION.match(turn.norm)
    number = None
    action = None
    if match:
        action = "cancel" if match.group(1) in ("cancelar", "desmarcar") else "reschedule"
        number = int(match.group(2)) if match.group(2) else (1 if len(ids) == 1 else None)
    elif turn.norm.isdigit():
        number = int(turn.norm)
    if number is None or not 1 <= number <= len(ids):
        return turn.retry("appointments/manage_again", count=len(ids))
    turn.remember(selected=ids[number - 1])
    if action is None:
        turn.goto("choose_action")
        return turn.say("appointments/choose_action")
    _act(turn, action)


@flow.state("choose_action")
def choose_action(turn: Turn) -> None:
    if turn.norm in {"cancelar", "desmarcar", "1", "cancelar consulta"}:
        return _act(turn, "cancel")
    if turn.norm in {"remarcar", "mudar", "2", "outro horario", "remarcar consulta"}:
        return _act(turn, "reschedule")
    turn.retry("appointments/choose_action")


def _act(turn: Turn, action: str) -> None:
    appointment = turn.session.get(Appointment, turn.data["selected"])
    if action == "cancel":
        turn.goto("confirm_cancel")
        return turn.say("appointments/confirm_cancel", appointment=appointment,
                        specialty=by_code(appointment.specialty).name)
    _start_reschedule(turn, appointment)


def _start_reschedule(turn: Turn, appointment: Appointment) -> None:
    """Search again for the same patient and specialty; the booking replaces this one."""
    turn.close_protocol("concluido", f"remarcação da consulta do protocolo {appointment.protocol_number}")
    c = turn.conversation
    c.flow, c.state = "agendamento", None
    c.data = {
        "protocol": appointment.protocol_number, "reschedule_id": appointment.id,
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
        _cancel(turn, appointment)
        turn.close_protocol("concluido", f"consulta {appointment.id} cancelada")
        turn.end()
    elif turn.norm in scheduling.NO:
        turn.say("appointments/kept")
        turn.close_protocol("concluido", "cancelamento desistido")
        turn.end()
    else:
        turn.retry("appointments/confirm_cancel_yes_no")


def _cancel(turn: Turn, appointment: Appointment) -> None:
    if appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return
    appointments.cancel(turn.session, turn.registry, appointment, "cancelada pelo beneficiário")
    turn.say("appointments/cancelled", appointment=appointment,
             specialty=by_code(appointment.specialty).name)


# -- answers to a reminder ---------------------------------------------------------------
@flow.state("reminder_reply")
def reminder_reply(turn: Turn) -> None:
    appointment = turn.session.get(Appointment, turn.data["appointment_id"])
    if turn.norm in scheduling.YES or turn.norm in {"confirmar", "vou", "estarei la"}:
        _confirm(turn, appointment)
    elif turn.norm in {"cancelar", "nao", "nao vou", "desmarcar", "cancelar consulta"}:
        _cancel(turn, appointment)
    elif turn.norm in {"remarcar", "mudar"}:
        return _start_reschedule(turn, appointment)
    else:
        return turn.retry("appointments/reminder_again")
    turn.end()


def _confirm(turn: Turn, appointment: Appointment) -> None:
    if appointment.status != "booked":
        turn.say("appointments/already_cancelled")
        return
    appointment.confirmed_at = appointment.confirmed_at or clock.now()
    turn.say("appointments/confirmed", appointment=appointment)


@route_payload
def reminder_buttons(turn: Turn) -> bool:
    payload = turn.message.payload or ""
    match = re.fullmatch(r"appt-(confirm|cancel):(\d+)", payload)
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
    if turn.conversation.flow == "minhas_consultas" and turn.conversation.state == "reminder_reply":
        turn.end()
    return True
