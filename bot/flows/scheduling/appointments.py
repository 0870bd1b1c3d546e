"""Appointments: booking (atomic, idempotent), cancel, reschedule and reminders.

Shared by the scheduling journey, "minhas consultas" and the reminder job.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import engine
from bot import runtime as runtime_module
from bot.flows.scheduling.specialties import by_code
from bot.language.templates import render
from bot.platform import clock, queueing
from bot.registry.base import RegistryUnavailable, SlotInfo
from bot.services import outbox, protocols
from storage.db import transaction
from storage.models import Appointment, Conversation

log = logging.getLogger(__name__)


def maps_link(address: str, city: str, state: str) -> str:
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(f"{address}, {city} - {state}")


def provider_snapshot(slot: SlotInfo) -> dict:
    p = slot.provider
    return {"ref": p.ref, "name": p.name, "professional": p.professional,
            "specialty": p.specialty, "address": p.address, "city": p.city, "state": p.state,
            "phone": p.phone, "maps": maps_link(p.address, p.city, p.state)}


def book(session: Session, registry, settings, *, slot_ref: str, patient, booked_by_ref: str,
         protocol_number: str, conversation_id: int | None, booking_key: str,
         specialty: str) -> Appointment:
    """Book `slot_ref` for `patient`; raises SlotTaken if someone else got it first."""
    existing = session.scalars(select(Appointment).where(Appointment.booking_key == booking_key)).first()
    if existing is not None:
        return existing  # the same turn processed again after a crash
    slot = registry.book_slot(slot_ref, patient.ref, booking_key)
    appointment = Appointment(
        protocol_number=protocol_number, conversation_id=conversation_id,
        patient_ref=patient.ref, patient_name=patient.name, booked_by_ref=booked_by_ref,
        slot_ref=slot.ref, booking_key=booking_key, specialty=specialty,
        provider=provider_snapshot(slot), starts_at=slot.starts_at, status="booked",
        created_at=clock.now(),
    )
    reminder_at = clock.from_local(slot.starts_at) - timedelta(hours=settings.reminder_hours_before)
    if reminder_at > clock.now():
        appointment.reminder_at = reminder_at
        appointment.reminder_status = "pending"
    else:
        appointment.reminder_status = "none"  # booked for less than the reminder lead time
    session.add(appointment)
    session.flush()
    return appointment


def cancel(session: Session, registry, appointment: Appointment, note: str) -> None:
    """Cancel for the person, at once. The slot is the operator's to free: if their system
    cannot be reached now, the release is owed (`release_pending`, committed with the
    cancellation) and the sweeper makes it — the person is not told to come back later."""
    _release_or_owe(registry, appointment)
    appointment.status = "cancelled"
    appointment.cancelled_at = clock.now()
    if appointment.reminder_status in ("pending",):
        appointment.reminder_status = "cancelled"
    protocol = protocols.by_number(session, appointment.protocol_number)
    if protocol is not None:
        protocols.set_status(protocol, "cancelado", note)


def replace(session: Session, registry, old: Appointment, new: Appointment) -> None:
    """Reschedule: the new appointment keeps the old one's protocol and history.

    The new slot is already booked; if the operator's API is down when freeing the old
    one, the appointment keeps `release_pending` and the sweeper retries the release
    (`release_pending_slots`). The debt lives in the database, committed with the
    reschedule: no Redis job to lose between the commit and an enqueue."""
    if old.status == "booked":
        _release_or_owe(registry, old)
    old.status = "rescheduled"
    old.cancelled_at = clock.now()
    old.replaced_by_id = new.id
    if old.reminder_status == "pending":
        old.reminder_status = "cancelled"
    protocol = protocols.by_number(session, old.protocol_number)
    if protocol is not None:
        protocols.set_status(protocol, "remarcado",
                             f"de {old.starts_at:%d/%m/%Y %H:%M} para {new.starts_at:%d/%m/%Y %H:%M}")


def _release_or_owe(registry, appointment: Appointment) -> None:
    try:
        registry.release_slot(appointment.slot_ref, appointment.booking_key)
    except RegistryUnavailable as exc:
        log.warning("slot %s not released (%s); owed, the sweeper retries",
                    appointment.slot_ref, exc)
        appointment.release_pending = True


def release_pending_slots(runtime) -> int:
    """Sweeper: make the slot releases owed by cancellations and reschedules done while
    the operator's API was down. Safe to repeat: the release names the booking it frees
    (the embedded registry frees only a slot still booked under that key; the API gets
    `?booking_key=` and its own Idempotency-Key), so a slot someone else booked since is
    never freed, and two workers sweeping at once or a sweep repeated after a crash are
    harmless; a row locked by another sweep is skipped. One release the operator refuses
    (a 4xx) is logged and retried later without holding up the others."""
    with transaction(runtime.sessions) as s:
        owed = list(s.scalars(select(Appointment.id).where(Appointment.release_pending.is_(True))
                              .order_by(Appointment.id)))
    released = 0
    for appointment_id in owed:
        try:
            with transaction(runtime.sessions) as s:
                appointment = s.get(Appointment, appointment_id, populate_existing=True,
                                    with_for_update={"skip_locked": True})
                if appointment is None or not appointment.release_pending:
                    continue
                runtime.registry.bind(s).release_slot(appointment.slot_ref, appointment.booking_key)
                appointment.release_pending = False
            released += 1
        except RegistryUnavailable as exc:
            log.warning("slot releases still owed: %s; the next sweep retries", exc)
            break  # still down: the next sweep tries again
        except Exception:
            log.exception("slot release of appointment %s failed; the next sweep retries",
                          appointment_id)
    return released


def release_slot_job(slot_ref: str, booking_key: str) -> None:
    """RQ job of earlier versions (their queued retries may still run after an upgrade);
    releases are now owed in the database and retried by the sweeper."""
    rt = runtime_module.current()
    with transaction(rt.sessions) as s:
        rt.registry.bind(s).release_slot(slot_ref, booking_key)


def upcoming_for(session: Session, beneficiary_ref: str,
                 dependent_refs: list[str] = ()) -> list[Appointment]:
    """Booked appointments ahead: the person's own, those they booked for someone, and
    their dependents' however these were booked (a dependent's own phone, an attendant)."""
    now_local = clock.local_now()
    return list(session.scalars(
        select(Appointment).where(
            or_(Appointment.booked_by_ref == beneficiary_ref,
                Appointment.patient_ref.in_([beneficiary_ref, *dependent_refs])),
            Appointment.status == "booked", Appointment.starts_at >= now_local,
        ).order_by(Appointment.starts_at)
    ))


# -- reminders ------------------------------------------------------------------------
def schedule_reminder(runtime, appointment_id: int, reminder_at: datetime) -> None:
    """Put the reminder on RQ's scheduler; the sweeper is the backstop if Redis loses it."""
    queueing.run_at(runtime, reminder_at, "bot.flows.scheduling.appointments.send_reminder", appointment_id,
                    job_id=f"reminder-{appointment_id}")


REMINDER_STATE = ("minhas_consultas", "reminder_reply")


def send_reminder(appointment_id: int) -> bool:
    """RQ job: queue the reminder of one appointment, once, unless it was cancelled."""
    rt = runtime_module.current()
    with transaction(rt.sessions) as s:
        conversation_id = s.scalar(select(Appointment.conversation_id)
                                   .where(Appointment.id == appointment_id))
        # Row locks, in a turn's order (its conversation, then appointments), so a message
        # being processed right now is neither overwritten nor deadlocked: the reminder
        # waits for that turn and decides on what it committed.
        conversation = (s.get(Conversation, conversation_id, with_for_update=True,
                              populate_existing=True) if conversation_id else None)
        appointment = s.get(Appointment, appointment_id, with_for_update=True,
                            populate_existing=True)
        if appointment is None or appointment.reminder_status != "pending":
            return False
        if appointment.status != "booked":
            appointment.reminder_status = "cancelled"
            return False
        if appointment.reminder_at and appointment.reminder_at > clock.now():
            return False  # rescheduled later; its own job will come
        if conversation is None:
            appointment.reminder_status = "skipped"
            return False
        _queue_reminder(s, rt, conversation, appointment)
    queueing.deliver_later(rt, conversation_id, bulk=True)
    return True


def _queue_reminder(s: Session, rt, conversation: Conversation, appointment: Appointment) -> None:
    settings = rt.settings
    p = appointment.provider
    takes_answers = _free_for_reminder_answer(rt, conversation)
    # Typed answers are offered only when they will reach the reminder: in the middle of
    # another journey (or waiting for a human) "cancelar" would end that instead.
    body = render("scheduling/reminder", appointment=appointment, provider=p,
                  specialty=by_code(appointment.specialty).name, typed_answers=takes_answers)
    row = outbox.enqueue_business_initiated(
        s, conversation, body, content_sid=settings.content_reminder_sid or None,
        variables={"1": appointment.patient_name.split()[0].title(),
                   "2": f"{appointment.starts_at:%d/%m/%Y}", "3": f"{appointment.starts_at:%H:%M}",
                   "4": p["professional"], "5": p["address"],
                   "6": f"appt-confirm:{appointment.id}", "7": f"appt-cancel:{appointment.id}"},
    )
    appointment.reminder_status = "skipped" if row.status == "skipped" else "queued"
    if row.status != "skipped" and takes_answers:
        _await_reminder_answer(s, rt, conversation, appointment)


def _free_for_reminder_answer(rt, conversation: Conversation) -> bool:
    """Nothing live in the conversation — no journey, or one the engine would close as idle
    (`engine.session_left`, the engine's own rule) — or reminders waiting for their answer:
    at "sim/cancelar?" always, at a question about one of them ("qual consulta?", "confirma
    o cancelamento?") once the person left it idle (a "sim" typed right now answers that
    question, not this reminder). A human's conversation is never taken."""
    if conversation.handoff is not None:
        return False
    now = clock.now()
    if (conversation.flow, conversation.state) == REMINDER_STATE:
        return True
    if _awaiting_reminders(conversation):
        return engine.is_idle(conversation, rt.settings, now)
    return engine.session_left(conversation, rt.settings, now)


def _awaiting_reminders(conversation: Conversation) -> bool:
    """In a state kept open for reminders' answers: "sim/cancelar?", "qual consulta?", or
    "confirma o cancelamento?" after a "não" to one."""
    return (conversation.flow == REMINDER_STATE[0]
            and bool((conversation.data or {}).get("appointment_ids")))


def _await_reminder_answer(s: Session, rt, conversation: Conversation,
                           appointment: Appointment) -> None:
    """A bare "sim" / "cancelar" after the reminder answers it, however late: the state
    outlives idle expiry until the last pending appointment (engine: keep_until). An idle
    journey is closed first exactly as the engine would (protocol "expirado", identity no
    longer confirmed); reminders still unanswered — even mid-question ("qual consulta?") —
    are kept, so a second one (a dependent's appointment the same day) does not silence
    the first; the new reminder's "Responda sim…" is the question now."""
    engine.close_idle_session(s, rt, conversation, clock.now())
    earlier = pending_reminders(s, conversation.data) if _awaiting_reminders(conversation) else []
    waiting = [a for a in earlier if a.id != appointment.id] + [appointment]
    conversation.flow, conversation.state = REMINDER_STATE
    conversation.data = reminder_data(waiting)
    conversation.last_activity_at = clock.now()  # the answer belongs to this new session


def pending_reminders(s: Session, data: dict) -> list[Appointment]:
    """The reminded appointments still waiting for a typed answer, in the order reminded
    (still booked and ahead). `appointment_id` is the single-reminder form of old states."""
    ids = data.get("appointment_ids") or ([data["appointment_id"]] if data.get("appointment_id") else [])
    now_local = clock.local_now()
    found = (s.get(Appointment, i) for i in ids)
    return [a for a in found if a is not None and a.status == "booked" and a.starts_at >= now_local]


def reminder_data(waiting: list[Appointment]) -> dict:
    return {"appointment_ids": [a.id for a in waiting],
            "keep_until": max(clock.from_local(a.starts_at) for a in waiting).isoformat()}


def send_due_reminders(runtime) -> int:
    """Backstop run by the sweeper: reminders whose scheduled job Redis lost."""
    with transaction(runtime.sessions) as s:
        due = list(s.scalars(select(Appointment.id).where(
            Appointment.reminder_status == "pending", Appointment.reminder_at <= clock.now())))
    return sum(1 for appointment_id in due if send_reminder(appointment_id))
