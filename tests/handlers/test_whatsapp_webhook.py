"""The WhatsApp webhook as Twilio calls it: authentication, validation, dedup, ack."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.db import transaction
from storage.models import InboundMessage, OutboundMessage
from tests.conftest import MARIA, PUBLIC_URL, drain, sign


def _count(rt, model=InboundMessage) -> int:
    with transaction(rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_ack_is_empty_twiml_and_message_is_stored_first(wa, rt):
    response = wa.post(MARIA, "oi")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert b"<Response" in response.data and b"<Message" not in response.data
    with transaction(rt.sessions) as s:
        stored = s.scalars(select(InboundMessage)).one()
        assert stored.status == "received"  # acknowledged before any business work
        assert stored.sender == MARIA and stored.raw["ProfileName"] == "Teste"


def test_forged_signature_is_rejected_and_nothing_stored(client, rt):
    params = {"MessageSid": "SMforged", "From": f"whatsapp:{MARIA}", "Body": "oi", "NumMedia": "0"}
    response = client.post("/webhooks/whatsapp", data=params,
                           headers={"X-Twilio-Signature": sign(f"{PUBLIC_URL}/other", params)})
    assert response.status_code == 403
    assert b"invalid X-Twilio-Signature" in response.data
    assert _count(rt) == 0


def test_missing_signature_is_rejected(wa, rt):
    assert wa.post(MARIA, "oi", signed=False).status_code == 403
    assert _count(rt) == 0


def test_tampered_body_breaks_the_signature(client, rt):
    params = {"MessageSid": "SM1", "From": f"whatsapp:{MARIA}", "Body": "oi", "NumMedia": "0"}
    signature = sign(f"{PUBLIC_URL}/webhooks/whatsapp", params)
    response = client.post("/webhooks/whatsapp", data={**params, "Body": "outra coisa"},
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_malformed_requests_get_400_with_reason(wa, rt):
    cases = [
        ({"MessageSid": ""}, b"MessageSid is required"),
        ({"NumMedia": "2", "MediaUrl0": "https://api.twilio.com/m/1", "MediaContentType0": "image/jpeg"},
         b"MediaUrl1"),
        ({"NumMedia": "abc"}, b"NumMedia must be a whole number"),
        ({"NumMedia": "0", "MediaUrl0": "https://api.twilio.com/m/1"}, b"MediaUrl0 is present"),
        ({"From": "whatsapp:not-a-phone"}, b"From is not a phone number"),
    ]
    for extra, reason in cases:
        response = wa.post(MARIA, "oi", extra=extra)
        assert response.status_code == 400, extra
        assert reason in response.data, (extra, response.data)
    assert _count(rt) == 0


def test_attachments_are_kept_with_the_message(wa, rt):
    response = wa.post(MARIA, "segue", extra={
        "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
        "MediaContentType0": "image/jpeg"})
    assert response.status_code == 200
    with transaction(rt.sessions) as s:
        stored = s.scalars(select(InboundMessage)).one()
        assert stored.attachments == [{"url": "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
                                       "content_type": "image/jpeg"}]


def test_duplicate_message_sid_is_acknowledged_and_processed_once(wa, rt, twilio):
    first = wa.post(MARIA, "oi", sid="SMdup000000000000000000000000001")
    retry = wa.post(MARIA, "oi", sid="SMdup000000000000000000000000001")
    assert first.status_code == retry.status_code == 200
    assert b"<Response" in retry.data
    drain(rt)
    assert _count(rt) == 1
    assert len(twilio.bodies_to(MARIA)) == 1


def test_status_callbacks_update_the_outgoing_message(wa, rt, client, twilio):
    wa.say(MARIA, "oi")
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert row.status == "sent" and row.external_id == twilio.created[0]["sid"]
        oid, sid = row.id, row.external_id

    def callback(status, **extra):
        params = {"MessageSid": sid, "MessageStatus": status, **extra}
        url = f"{PUBLIC_URL}/webhooks/whatsapp/status?oid={oid}"
        return client.post(f"/webhooks/whatsapp/status?oid={oid}", data=params,
                           headers={"X-Twilio-Signature": sign(url, params)})

    assert callback("read").status_code == 204
    assert callback("delivered").status_code == 204  # late, out of order: ignored
    with transaction(rt.sessions) as s:
        assert s.get(OutboundMessage, oid).status == "read"
    assert callback("undelivered", ErrorCode="63024").status_code == 204
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, oid)
        assert (row.status, row.error_code) == ("undelivered", "63024")


def test_status_callback_requires_signature(client):
    response = client.post("/webhooks/whatsapp/status", data={"MessageSid": "SM1", "MessageStatus": "sent"})
    assert response.status_code == 403


def test_webhook_without_auth_token_configured_refuses(settings, database_url):
    from dataclasses import replace

    from bot.app import create_app

    app = create_app(replace(settings, twilio_auth_token=""))
    response = app.test_client().post("/webhooks/whatsapp", data={"MessageSid": "SM1", "From": "whatsapp:+5567999990001"})
    assert response.status_code == 403
    assert b"not configured" in response.data


def test_signature_without_public_base_url_uses_the_request_url(app, settings, twilio):
    # `app` (unused here) wipes the database, so the count below is only this request's
    from dataclasses import replace

    from bot.app import create_app

    # Receiving only (no sender number): the URL Twilio signed is the one we were called at.
    receiver = create_app(replace(settings, public_base_url="", twilio_whatsapp_from=""))
    params = {"MessageSid": "SMnobase0000000000000000000000001", "From": f"whatsapp:{MARIA}",
              "To": "whatsapp:+556730000000", "Body": "oi", "NumMedia": "0"}
    client = receiver.test_client()
    wrong = client.post("/webhooks/whatsapp", data=params,
                        headers={"X-Twilio-Signature": sign("https://localhost/webhooks/whatsapp", params)})
    assert wrong.status_code == 403
    right = client.post("/webhooks/whatsapp", data=params,
                        headers={"X-Twilio-Signature": sign("http://localhost/webhooks/whatsapp", params)})
    assert right.status_code == 200
    assert _count(receiver.extensions["planbot"]) == 1


def test_document_link_expires_after_its_ttl(wa, rt, client, twilio):
    from datetime import timedelta
    from urllib.parse import urlparse

    from bot.platform import clock
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    path = urlparse(twilio.created[-1]["MediaUrl"]).path
    sent_at = clock.now()
    ttl = rt.settings.media_url_ttl_seconds
    clock.freeze(sent_at + timedelta(seconds=ttl - 1))
    assert client.get(path).data.startswith(b"%PDF")
    clock.freeze(sent_at + timedelta(seconds=ttl + 1))
    expired = client.get(path)
    assert expired.status_code == 404
    assert not expired.data.startswith(b"%PDF") and b"expired" in expired.data


def test_status_callback_settles_a_message_left_sending_by_a_crash(wa, rt, client, twilio, monkeypatch):
    from datetime import timedelta

    from bot.channels.whatsapp import TwilioWhatsAppSender
    from bot.pipeline import deliver, sweep
    from bot.platform import clock

    real_record = deliver._record_sent

    def worker_dies_before_recording(s, row_id, result):
        monkeypatch.setattr(deliver, "_record_sent", real_record)
        raise SystemExit("worker killed after Twilio accepted")

    monkeypatch.setattr(deliver, "_record_sent", worker_dies_before_recording)
    wa.post(MARIA, "oi")
    try:
        drain(rt)
    except SystemExit:
        pass
    [created] = twilio.created
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage)).one()
        assert (row.status, row.external_id) == ("sending", None)
        oid = row.id

    params = {"MessageSid": created["sid"], "MessageStatus": "sent"}
    url = f"{PUBLIC_URL}/webhooks/whatsapp/status?oid={oid}"
    response = client.post(f"/webhooks/whatsapp/status?oid={oid}", data=params,
                           headers={"X-Twilio-Signature": sign(url, params)})
    assert response.status_code == 204

    def must_not_ask(*args, **kwargs):
        raise AssertionError("the callback settled it: nothing to look up")

    monkeypatch.setattr(TwilioWhatsAppSender, "find_sent", must_not_ask)
    rt.redis.flushdb()
    clock.freeze(clock.now() + timedelta(minutes=5))
    sweep.sweep(reschedule=False)
    drain(rt)
    assert len(twilio.created) == 1  # not resent
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, oid)
        assert (row.status, row.external_id) == ("sent", created["sid"])


def test_reply_over_1600_characters_goes_as_several_messages_split_at_paragraphs(
        wa, rt, client, twilio):
    from bot.engine import attendants as handoff
    wa.say(MARIA, "atendente")
    with transaction(rt.sessions) as s:
        token = handoff.create_attendant(s, "Ana")
    auth = {"Authorization": f"Bearer {token}"}
    [waiting] = client.get("/api/attendant/conversations", headers=auth).get_json()["conversations"]
    assert client.post(f"/api/attendant/conversations/{waiting['id']}/take", headers=auth).status_code == 200
    paragraphs = [f"Parágrafo {i}: " + "orientação detalhada sobre o seu plano. " * 12
                  for i in range(1, 9)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 3200
    before = len(twilio.created)
    response = client.post(f"/api/attendant/conversations/{waiting['id']}/reply",
                           headers=auth, json={"text": text})
    assert response.status_code == 200
    drain(rt)
    bodies = twilio.bodies_to(MARIA)[before:]
    assert len(bodies) >= 3
    assert all(len(b) <= 1600 for b in bodies)
    assert "\n\n".join(bodies) == text  # whole paragraphs, in order, nothing lost
    assert all(b.startswith("Parágrafo ") for b in bodies)
