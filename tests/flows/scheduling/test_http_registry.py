"""The operator-API adapter's slot endpoints the scheduling journey relies on."""
from __future__ import annotations

from datetime import datetime

import pytest
import responses

from bot.registry.base import RegistryUnavailable
from bot.registry.http import HttpRegistry

API = "https://erp.operadora.example/api/v1"
SLOT = {"ref": "S1", "starts_at": "2026-11-30T08:00:00", "duration_minutes": 20,
        "provider": {"ref": "P1", "name": "Clínica", "professional": "Dr. X",
                     "specialty": "cardiologia", "address": "Rua A, 1",
                     "city": "Campo Grande", "state": "MS", "phone": "67 3000-0000"}}


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def test_release_sends_its_own_idempotency_key_not_the_bookings(api):
    api.delete(f"{API}/slots/S1/booking", status=204, match=[
        responses.matchers.header_matcher({"Idempotency-Key": "conv1-msgSM7:release",
                                           "Authorization": "Bearer t"})])
    HttpRegistry(API, "t").release_slot("S1", "conv1-msgSM7")
    assert len(api.calls) == 1


def test_release_of_a_booking_already_gone_is_fine(api):
    api.delete(f"{API}/slots/S1/booking", status=404)
    HttpRegistry(API, "t").release_slot("S1", "k")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_release_during_an_outage_is_reported_as_unavailable(api, status):
    api.delete(f"{API}/slots/S1/booking", status=status)
    with pytest.raises(RegistryUnavailable):
        HttpRegistry(API, "t").release_slot("S1", "k")


def test_slot_by_ref(api):
    api.get(f"{API}/slots/S1", json=SLOT)
    api.get(f"{API}/slots/S9", status=404)
    registry = HttpRegistry(API, "t")
    slot = registry.slot("S1")
    assert slot.ref == "S1" and slot.starts_at == datetime(2026, 11, 30, 8, 0)
    assert slot.duration_minutes == 20 and slot.provider.phone == "67 3000-0000"
    assert slot.provider.city == "Campo Grande" and slot.provider.professional == "Dr. X"
    assert registry.slot("S9") is None


def test_slot_lookup_timeout_is_unavailable(api):
    import requests

    api.get(f"{API}/slots/S1", body=requests.exceptions.ConnectTimeout("timeout"))
    with pytest.raises(RegistryUnavailable):
        HttpRegistry(API, "t").slot("S1")
