"""Shared steps of the scheduling tests: book through the webhook, send the reminder, read
the database the way an auditor would."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Appointment, Conversation, Protocol, Slot

from .conftest import MARIA, drain


def appointments(rt) -> list[Appointment]:
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Appointment).order_by(Appointment.id)))


def conversation_state(rt, phone=MARIA) -> tuple:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        return c.flow, c.state, dict(c.data), c.handoff


def protocols(rt) -> dict[str, tuple[str, str, list[str]]]:
    """number -> (journey, status, [event statuses])"""
    with transaction(rt.sessions) as s:
        return {p.number: (p.journey, p.status, [e.status for e in p.events])
                for p in s.scalars(select(Protocol).order_by(Protocol.id))}


def slot_status(rt, slot_ref: str) -> str:
    with transaction(rt.sessions) as s:
        return s.get(Slot, int(slot_ref)).status


def book(wa, phone=MARIA, cpf3="116", when="semana que vem", pick="2", patient="1") -> str:
    """Cardiology (for the titular, or `patient` of Maria's family list) through the
    webhook; returns the confirmation text."""
    wa.say(phone, f"marcar cardiologia {when}")
    wa.say(phone, cpf3)
    if phone == MARIA:
        wa.say(phone, patient)
    wa.say(phone, pick)
    return wa.say(phone, "sim")[0]


def send_reminder_inside_window(rt, appointment: Appointment) -> None:
    """The reminder job runs at its time; the person wrote within 24 h (free text)."""
    from bot.flows.scheduling.appointments import send_reminder

    clock.freeze(appointment.reminder_at + timedelta(minutes=1))
    with transaction(rt.sessions) as s:
        c = s.get(Conversation, appointment.conversation_id)
        c.last_inbound_at = clock.now() - timedelta(hours=1)
    assert send_reminder(appointment.id) is True
    drain(rt)


def later(**delta) -> None:
    clock.freeze(clock.now() + timedelta(**delta))
