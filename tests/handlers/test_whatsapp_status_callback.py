"""A status callback never fails on what Twilio sends."""
from __future__ import annotations

import logging

from sqlalchemy import select

from storage.db import transaction
from storage.models import OutboundMessage

from ..conftest import MARIA, PUBLIC_URL, sign


def _callback(client, oid: int, params: dict):
    url = f"{PUBLIC_URL}/webhooks/whatsapp/status?oid={oid}"
    return client.post(f"/webhooks/whatsapp/status?oid={oid}", data=params,
                       headers={"X-Twilio-Signature": sign(url, params)})


def test_an_error_code_longer_than_the_column_is_stored_cut_and_logged_whole(
        wa, rt, client, twilio, caplog):
    wa.say(MARIA, "oi")
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        oid, sid = row.id, row.external_id
    code = "63016-" + "X" * 40  # longer than outbound_messages.error_code (20)
    with caplog.at_level(logging.WARNING, logger="handlers.whatsapp"):
        response = _callback(client, oid, {"MessageSid": sid, "MessageStatus": "failed",
                                           "ErrorCode": code, "ErrorMessage": "no"})
    assert response.status_code == 204
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, oid)
        assert (row.status, row.error_code, row.error_message) == ("failed", code[:20], "no")
    assert any(code in r.getMessage() for r in caplog.records)


def test_a_short_error_code_is_stored_as_sent(wa, rt, client, twilio):
    wa.say(MARIA, "oi")
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        oid, sid = row.id, row.external_id
    response = _callback(client, oid, {"MessageSid": sid, "MessageStatus": "undelivered",
                                       "ErrorCode": "63016"})
    assert response.status_code == 204
    with transaction(rt.sessions) as s:
        assert s.get(OutboundMessage, oid).error_code == "63016"
