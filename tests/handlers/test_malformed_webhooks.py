"""Requests that must get a clear 4xx (or be stored as-is), never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import InboundMessage
from tests.conftest import MARIA, PUBLIC_URL, sign
from tests.engine.test_handoff import _token

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("action", ["take", "release", "reply"])
@pytest.mark.parametrize("conversation_id", [HUGE, "2147483648"])
def test_attendant_api_conversation_id_out_of_range_is_404(client, rt, action, conversation_id):
    auth = {"Authorization": f"Bearer {_token(rt)}"}
    body = {"text": "oi"} if action == "reply" else None
    response = client.post(f"/api/attendant/conversations/{conversation_id}/{action}",
                           headers=auth, json=body)
    assert response.status_code == 404, response.data
    assert response.json == {"error": "conversation not found"}


@pytest.mark.parametrize("oid", [HUGE, "-1", "0"])
def test_status_callback_with_an_out_of_range_oid_falls_back_to_the_sid(client, oid):
    params = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    url = f"{PUBLIC_URL}/webhooks/whatsapp/status?oid={oid}"
    response = client.post(f"/webhooks/whatsapp/status?oid={oid}", data=params,
                           headers={"X-Twilio-Signature": sign(url, params)})
    assert response.status_code == 204


def test_message_sid_too_long_for_the_inbox_is_a_400(wa, rt):
    response = wa.post(MARIA, "oi", sid="SM" + "x" * 200)
    assert response.status_code == 400
    assert b"MessageSid" in response.data
    with transaction(rt.sessions) as s:
        assert s.scalars(select(InboundMessage)).first() is None


def test_nul_characters_are_dropped_from_what_is_stored(wa, rt):
    # PostgreSQL text and JSON cannot hold U+0000: the insert would fail with a 500 and
    # Twilio's retries would never get past it.
    response = wa.post(MARIA, "oi\x00 tudo bem", extra={"ProfileName": "Ma\x00ria"})
    assert response.status_code == 200
    with transaction(rt.sessions) as s:
        row = s.scalars(select(InboundMessage)).one()
        assert row.text == "oi tudo bem"
        assert "\x00" not in repr(row.raw)
