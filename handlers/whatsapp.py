"""Twilio WhatsApp webhooks: inbound messages and delivery status callbacks."""
from __future__ import annotations

import logging

import phonenumbers
from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict

from bot.channels.base import Attachment, Incoming
from bot.language.text import storable
from bot.pipeline.inbox import accept
from bot.platform import clock, metrics
from storage.db import MAX_ROW_ID, transaction
from storage.models import OutboundMessage

log = logging.getLogger(__name__)
bp = Blueprint("whatsapp", __name__)

MAX_MEDIA = 10
MAX_SID_LENGTH = 120  # inbound_messages.external_id; Twilio's SIDs have 34 characters
STATUS_RANK = {"accepted": 0, "queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}
FINAL_FAILURES = {"failed", "undelivered"}
EMPTY_TWIML = str(MessagingResponse())  # built once: every acknowledgement is the same


class MalformedRequest(ValueError):
    pass


def _runtime():
    return current_app.extensions["planbot"]


def _text(reason: str, status: int) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


def _signature_problem(settings) -> str | None:
    token = settings.twilio_auth_token
    if not token:
        return "webhook authentication is not configured (TWILIO_AUTH_TOKEN)"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return "missing X-Twilio-Signature"
    if settings.public_base_url:
        # Behind a TLS-terminating proxy request.url is not what Twilio signed.
        query = request.query_string.decode()
        url = settings.public_base_url + request.path + (f"?{query}" if query else "")
    else:
        url = request.url
    if not RequestValidator(token).validate(url, request.form.to_dict(flat=True), signature):
        return "invalid X-Twilio-Signature"
    return None


def whatsapp_phone(value: str, field: str) -> str:
    raw = value.removeprefix("whatsapp:").strip()
    try:
        number = phonenumbers.parse(raw if raw.startswith("+") else f"+{raw}", None)
    except phonenumbers.NumberParseException as exc:
        raise MalformedRequest(f"{field} is not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise MalformedRequest(f"{field} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_inbound(form) -> Incoming:
    # Twilio signed the original form (checked before); what is stored loses NULs.
    form = MultiDict([(storable(k), storable(v)) for k, v in form.items(multi=True)])
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    if not sid:
        raise MalformedRequest("MessageSid is required")
    if len(sid) > MAX_SID_LENGTH:
        raise MalformedRequest(f"MessageSid is longer than {MAX_SID_LENGTH} characters")
    if not form.get("From"):
        raise MalformedRequest("From is required")
    sender = whatsapp_phone(form["From"], "From")
    recipient = whatsapp_phone(form["To"], "To") if form.get("To") else ""
    try:
        num_media = int(form.get("NumMedia", "0") or 0)
    except ValueError as exc:
        raise MalformedRequest("NumMedia must be a whole number") from exc
    if not 0 <= num_media <= MAX_MEDIA:
        raise MalformedRequest(f"NumMedia must be between 0 and {MAX_MEDIA}")
    attachments = []
    for i in range(num_media):
        url, kind = form.get(f"MediaUrl{i}"), form.get(f"MediaContentType{i}")
        if not url or not kind:
            raise MalformedRequest(f"NumMedia is {num_media} but MediaUrl{i}/MediaContentType{i} is missing")
        attachments.append(Attachment(url=url, content_type=kind))
    if form.get(f"MediaUrl{num_media}"):
        raise MalformedRequest(f"NumMedia is {num_media} but MediaUrl{num_media} is present")
    payload = form.get("ButtonPayload") or form.get("ListId") or None
    return Incoming(
        channel="whatsapp", sender=sender, recipient=recipient,
        text=form.get("Body", "") or form.get("ButtonText", "") or "",
        external_id=sid, attachments=tuple(attachments), payload=payload,
        profile_name=form.get("ProfileName"), raw=form.to_dict(flat=True),
    )


@bp.post("/webhooks/whatsapp")
def inbound():
    with metrics.WEBHOOK_SECONDS.labels("whatsapp").time():
        return _inbound()


def _inbound():
    rt = _runtime()
    problem = _signature_problem(rt.settings)
    if problem:
        log.warning("rejected WhatsApp webhook: %s", problem)
        return _text(problem, 403)
    try:
        incoming = parse_inbound(request.form)
    except MalformedRequest as exc:
        return _text(f"malformed Twilio request: {exc}", 400)
    accept(rt, incoming)
    return Response(EMPTY_TWIML, mimetype="application/xml")


@bp.post("/webhooks/whatsapp/status")
def status_callback():
    rt = _runtime()
    problem = _signature_problem(rt.settings)
    if problem:
        return _text(problem, 403)
    sid = request.form.get("MessageSid")
    status = (request.form.get("MessageStatus") or "").lower()
    if not sid or not status:
        return _text("MessageSid and MessageStatus are required", 400)
    oid = request.args.get("oid", type=int)
    if oid is not None and not 1 <= oid <= MAX_ROW_ID:
        oid = None  # not one of our rows (the database would refuse the number): use the SID
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, oid, with_for_update=True) if oid else None
        if row is None:
            row = s.scalars(select(OutboundMessage).where(OutboundMessage.external_id == sid)
                            .with_for_update()).first()
        if row is None:
            log.info("status %s for unknown message %s ignored", status, sid)
            return Response(status=204)
        apply_status(row, sid, status, request.form.get("ErrorCode"),
                     request.form.get("ErrorMessage"))
    return Response(status=204)


ERROR_CODE_LENGTH = OutboundMessage.__table__.c.error_code.type.length  # 20


def _fitting_code(row: OutboundMessage, error_code: str | None) -> str | None:
    """What fits the column; the whole code goes to the log (a status callback never
    fails on what Twilio sends us)."""
    if error_code and len(error_code) > ERROR_CODE_LENGTH:
        log.warning("status callback of outbound %s: ErrorCode of %s characters kept as its "
                    "first %s: %r", row.id, len(error_code), ERROR_CODE_LENGTH, error_code)
        return error_code[:ERROR_CODE_LENGTH]
    return error_code


def apply_status(row: OutboundMessage, sid: str, status: str, error_code, error_message) -> None:
    """Statuses arrive out of order; never move a message backwards."""
    row.external_id = row.external_id or sid
    if row.sent_at is None:
        row.sent_at = clock.now()  # Twilio has it: this also settles a crash mid-send
    row.status_updated_at = clock.now()
    if status in FINAL_FAILURES:
        row.status = status
        row.error_code = _fitting_code(row, error_code) or row.error_code
        row.error_message = error_message or row.error_message
        return
    if row.status in FINAL_FAILURES:
        return
    current = STATUS_RANK.get(row.status, -1) if row.status != "pending" else -1
    if row.status == "sending":
        current = -1
    if STATUS_RANK.get(status, -1) > current:
        row.status = status if status not in ("accepted", "queued") else "sent"
