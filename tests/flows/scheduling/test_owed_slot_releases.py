"""Slot releases owed while the operator was down: made once by the sweeper, never freeing another booking."""
from __future__ import annotations

import pytest
import responses

from bot.pipeline import sweep
from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from bot.registry.http import HttpRegistry
from storage.db import transaction
from storage.models import Slot
from tests.conftest import MARIA
from tests.scheduling_support import (
    appointments,
    book,
    slot_status,
)


# -- item 3: releases owed while the operator's system is down --------------------------------
def _registry_down(self, *args):
    raise RegistryUnavailable("operator API timeout")


def _cancel_while_down(wa, rt, monkeypatch, number="1") -> None:
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, f"cancelar {number}")
    monkeypatch.setattr(EmbeddedRegistry, "release_slot", _registry_down)
    assert "cancelada. Protocolo" in wa.say(MARIA, "sim")[0]
    monkeypatch.undo()


API = "https://erp.operadora.example/api/v1"


def test_a_release_owed_by_a_cancellation_is_made_by_the_sweeper_once(wa, rt, monkeypatch):
    book(wa)
    _cancel_while_down(wa, rt, monkeypatch)
    [appointment] = appointments(rt)
    monkeypatch.setattr(EmbeddedRegistry, "release_slot", _registry_down)
    sweep.sweep(reschedule=False)  # still down: still owed
    assert appointments(rt)[0].release_pending and slot_status(rt, appointment.slot_ref) == "booked"
    monkeypatch.undo()
    calls = []
    original = EmbeddedRegistry.release_slot
    monkeypatch.setattr(EmbeddedRegistry, "release_slot",
                        lambda self, *a: calls.append(a) or original(self, *a))
    sweep.sweep(reschedule=False)
    sweep.sweep(reschedule=False)  # nothing owed any more: no second release
    assert calls == [(appointment.slot_ref, appointment.booking_key)]
    assert slot_status(rt, appointment.slot_ref) == "free" and not appointments(rt)[0].release_pending
    assert "Consulta agendada!" in book(wa)  # the same choice: the freed slot, booked again
    assert appointments(rt)[1].slot_ref == appointment.slot_ref


def test_an_owed_release_never_frees_a_slot_booked_by_someone_else_since(wa, rt, monkeypatch):
    book(wa)
    _cancel_while_down(wa, rt, monkeypatch)
    [appointment] = appointments(rt)
    with transaction(rt.sessions) as s:  # the operator's staff freed it; someone else booked it
        slot = s.get(Slot, int(appointment.slot_ref))
        slot.status, slot.booking_ref = "booked", "someone-elses-booking"
    sweep.sweep(reschedule=False)
    with transaction(rt.sessions) as s:
        slot = s.get(Slot, int(appointment.slot_ref))
        assert (slot.status, slot.booking_ref) == ("booked", "someone-elses-booking")
    assert not appointments(rt)[0].release_pending  # nothing of ours left to free


def test_one_release_the_operator_refuses_does_not_hold_up_the_others(wa, rt, monkeypatch):
    book(wa, pick="2")
    book(wa, pick="3")
    _cancel_while_down(wa, rt, monkeypatch, "1")
    _cancel_while_down(wa, rt, monkeypatch, "1")  # the other one is now first in the list
    first, second = appointments(rt)
    assert first.release_pending and second.release_pending
    original = EmbeddedRegistry.release_slot

    def refuses_the_first(self, slot_ref, key):
        if slot_ref == first.slot_ref:
            raise ValueError("DELETE /slots/x/booking: HTTP 400 bad request")
        return original(self, slot_ref, key)

    monkeypatch.setattr(EmbeddedRegistry, "release_slot", refuses_the_first)
    sweep.sweep(reschedule=False)
    assert [a.release_pending for a in appointments(rt)] == [True, False]
    assert slot_status(rt, second.slot_ref) == "free"
    monkeypatch.undo()
    sweep.sweep(reschedule=False)  # retried on the next sweep
    assert [a.release_pending for a in appointments(rt)] == [False, False]
    assert slot_status(rt, first.slot_ref) == "free"


def test_the_operator_api_release_names_the_booking_it_frees():
    with responses.RequestsMock() as api:
        api.delete(f"{API}/slots/S1/booking", status=204, match=[
            responses.matchers.query_param_matcher({"booking_key": "conv1-msgSM7"}),
            responses.matchers.header_matcher({"Idempotency-Key": "conv1-msgSM7:release"})])
        HttpRegistry(API, "t").release_slot("S1", "conv1-msgSM7")
        assert len(api.calls) == 1


@pytest.mark.parametrize("status", [404, 409])
def test_the_operator_api_release_of_a_slot_no_longer_ours_is_done(status):
    with responses.RequestsMock() as api:
        api.delete(f"{API}/slots/S1/booking", status=status)
        HttpRegistry(API, "t").release_slot("S1", "k")  # nothing to free: no error, not owed

