"""Booking through the signed webhook: two workers racing for one slot on the real
PostgreSQL, the reminder on RQ's scheduler, the operator's system down mid-booking."""
from __future__ import annotations

import os
import threading
import time
from datetime import timedelta, timezone

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import text

from bot.pipeline import process, sweep
from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from tests.conftest import JOSE, MARIA, drain
from tests.scheduling_support import appointments, book, conversation_state, slot_status

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")


def _at_confirmation(wa, phone, cpf3):
    wa.say(phone, "marcar cardiologia em campo grande")
    wa.say(phone, cpf3)
    if phone == MARIA:
        wa.say(phone, "1")
    assert "Confira os dados da consulta" in wa.say(phone, "1")[0]


def _another_transaction_waits_for_a_lock(rt, timeout: float = 20) -> bool:
    """Poll PostgreSQL until some other backend of this database is blocked on a lock."""
    give_up = time.monotonic() + timeout
    with rt.sessions() as s:
        while time.monotonic() < give_up:
            waiting = s.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar_one()
            s.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.skipif(not ON_POSTGRES, reason="a real row-lock race needs PostgreSQL "
                                            "(SQLite serialises all writers); run with DATABASE_URL")
def test_two_workers_confirming_the_same_slot_at_once_book_it_once(wa, rt, twilio, monkeypatch):
    _at_confirmation(wa, MARIA, "116")
    _at_confirmation(wa, JOSE, "682")
    slot_ref = conversation_state(rt, MARIA)[2]["slot"]
    assert conversation_state(rt, JOSE)[2]["slot"] == slot_ref

    # Maria's worker holds its transaction open right after its UPDATE of the slot, until
    # José's worker is blocked on that row: the two bookings truly overlap.
    original = EmbeddedRegistry.book_slot
    maria_updated = threading.Event()
    overlapped: list[bool] = []

    def book_slot(self, ref, who, key):
        if threading.current_thread().name == "maria":
            slot = original(self, ref, who, key)
            maria_updated.set()
            overlapped.append(_another_transaction_waits_for_a_lock(rt))
            return slot
        assert maria_updated.wait(20)
        return original(self, ref, who, key)

    monkeypatch.setattr(EmbeddedRegistry, "book_slot", book_slot)
    before = {phone: len(twilio.bodies_to(phone)) for phone in (MARIA, JOSE)}
    wa.post(MARIA, "sim")
    wa.post(JOSE, "sim")
    errors: list[BaseException] = []

    def worker(phone):
        try:
            process.process_conversation(f"whatsapp:{phone}")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(MARIA,), name="maria"),
               threading.Thread(target=worker, args=(JOSE,), name="jose")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    monkeypatch.undo()
    drain(rt)

    assert errors == [] and overlapped == [True]
    [appointment] = appointments(rt)
    assert appointment.patient_ref == "B001" and appointment.slot_ref == slot_ref
    assert slot_status(rt, slot_ref) == "booked"
    [maria_reply] = twilio.bodies_to(MARIA)[before[MARIA]:]
    [jose_reply] = twilio.bodies_to(JOSE)[before[JOSE]:]
    assert "Consulta agendada!" in maria_reply
    assert "acabou de ser reservado por outra pessoa" in jose_reply
    assert "Horários livres de *Cardiologia*" in jose_reply
    flow, state, data, _ = conversation_state(rt, JOSE)
    assert state == "pick" and slot_ref not in data["results"]


def test_booking_puts_the_reminder_on_rqs_scheduler_at_the_right_time(wa, rt):
    book(wa)
    [appointment] = appointments(rt)
    expected = clock.from_local(appointment.starts_at) - timedelta(hours=24)
    assert appointment.reminder_at == expected
    scheduled = ScheduledJobRegistry(queue=rt.bulk_queue)  # reminders: after replies
    job_id = f"reminder-{appointment.id}"
    assert scheduled.get_job_ids() == [job_id]
    assert scheduled.get_scheduled_time(job_id) == expected.replace(tzinfo=timezone.utc)
    job = rt.bulk_queue.fetch_job(job_id)
    assert job.func_name == "bot.flows.scheduling.appointments.send_reminder" and job.args == (appointment.id,)


def _registry_down(self, *args):
    raise RegistryUnavailable("operator API timeout")


def test_booking_with_the_registry_down_says_try_later_and_keeps_the_choice(wa, rt, monkeypatch):
    _at_confirmation(wa, MARIA, "116")
    before = conversation_state(rt)
    monkeypatch.setattr(EmbeddedRegistry, "book_slot", _registry_down)
    reply = wa.say(MARIA, "sim")
    assert len(reply) == 1 and "Não consegui falar com o sistema de agendamento" in reply[0]
    assert conversation_state(rt) == before and appointments(rt) == []
    assert slot_status(rt, before[2]["slot"]) == "free"
    monkeypatch.undo()
    assert "Consulta agendada!" in wa.say(MARIA, "sim")[0]


def test_choosing_a_slot_with_the_registry_down_says_try_later(wa, rt, monkeypatch):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    before = conversation_state(rt)
    monkeypatch.setattr(EmbeddedRegistry, "slot", _registry_down)
    assert "Não consegui falar com o sistema de agendamento" in wa.say(MARIA, "1")[0]
    assert conversation_state(rt) == before


def test_reschedule_whose_old_slot_cannot_be_freed_is_released_by_the_sweeper(wa, rt, monkeypatch):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "remarcar 1")
    wa.say(MARIA, "5")
    monkeypatch.setattr(EmbeddedRegistry, "release_slot", _registry_down)
    assert "Consulta remarcada!" in wa.say(MARIA, "sim")[0]
    old, new = appointments(rt)
    assert old.status == "rescheduled" and new.status == "booked"
    assert slot_status(rt, old.slot_ref) == "booked" and old.release_pending
    sweep.sweep(reschedule=False)  # the operator's API is still down: still owed
    assert slot_status(rt, old.slot_ref) == "booked" and appointments(rt)[0].release_pending
    rt.redis.flushdb()  # a Redis restart loses every job: the debt is in the database
    monkeypatch.undo()
    sweep.sweep(reschedule=False)
    assert slot_status(rt, old.slot_ref) == "free"
    assert not appointments(rt)[0].release_pending
    assert slot_status(rt, new.slot_ref) == "booked"
