"""Inbound e-mail webhook: POST /webhooks/email (SendGrid Inbound Parse, raw MIME).

authenticate → read → parse → noise (bounce / auto-reply: stored, never answered) →
durable intake (bot.pipeline.inbox.accept: stored, deduplicated by Message-ID, processed in
order by the conversation's worker) → 200. Nothing is stored before the request is
authenticated; a malformed one gets 400 with the reason.
"""
from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.channels.base import Attachment, Incoming
from bot.channels.email import auth, noise, threads
from bot.channels.email.inbound import (
    MalformedEmail,
    ParsedEmail,
    parse_posted,
    read_request,
    to_incoming,
)
from bot.channels.email.wiring import from_address
from bot.language.text import storable
from bot.pipeline.inbox import accept
from bot.platform import clock
from bot.services import attachments
from storage.db import transaction
from storage.models import EmailBounce, InboundMessage

log = logging.getLogger(__name__)
bp = Blueprint("email", __name__)


def _runtime():
    return current_app.extensions["planbot"]


def _text(reason: str, status: int, **headers) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain", headers=headers)


def _refused(refusal: auth.Refusal) -> Response:
    log.warning("rejected e-mail webhook: %s", refusal.reason)
    extra = {"WWW-Authenticate": 'Basic realm="planbot e-mail"'} if refusal.status == 401 else {}
    return _text(refusal.reason, refusal.status, **extra)


# Mail carries attachments: 25 MB of files (Gmail's and Outlook's limit) is about 34 MB
# once base64-encoded. The app's 2 MB limit stays for every other route; each file is
# still held to ATTACHMENTS_MAX_BYTES by the attachments service.
MAX_EMAIL_POST_BYTES = 35 * 1024 * 1024


@bp.post("/webhooks/email")
def inbound():
    request.max_content_length = MAX_EMAIL_POST_BYTES
    rt = _runtime()
    s = rt.settings
    if not (s.email_webhook_user or s.email_webhook_signing_key):
        return _refused(auth.authenticate(s, None, {}, 0))
    if s.email_webhook_user:  # before reading the body
        refusal = auth.check_basic(request.headers.get("Authorization"),
                                   s.email_webhook_user, s.email_webhook_password)
        if refusal:
            return _refused(refusal)
    try:
        posted = read_request(request.content_type or "", request.get_data(cache=False))
    except MalformedEmail as exc:
        return _text(f"malformed e-mail webhook: {exc}", 400)
    if s.email_webhook_signing_key:
        signed = {name: posted.fields.get(name) or request.headers.get(header)
                  for name, header in zip(("timestamp", "token", "signature"),
                                          auth.SIGNATURE_HEADERS)}
        refusal = auth.check_signature(s.email_webhook_signing_key, signed["timestamp"],
                                       signed["token"], signed["signature"], time.time())
        if refusal:
            return _refused(refusal)
    try:
        mail = parse_posted(posted)
    except MalformedEmail as exc:
        return _text(f"malformed e-mail: {exc}", 400)
    return _take(rt, mail)


def _take(rt, mail: ParsedEmail) -> Response:
    if mail.sender == _own_address(rt):
        _store_ignored(rt, mail, "from our own address (a loop)")
        return _text("ignored: our own mail", 200)
    found = noise.classify(mail)
    if found is not None:
        if found.kind == "bounce" and found.permanent and found.failed_recipient:
            _mark_undeliverable(rt, mail, found)
        _store_ignored(rt, mail, f"{found.kind}: {found.reason}")
        log.info("e-mail %s ignored (%s)", mail.external_id, found.kind)
        return _text(f"ignored: {found.kind}", 200)
    if mail.attachments and _already_taken(rt, mail):
        log.info("duplicate e-mail %s acknowledged", mail.external_id)
        return _text("ok", 200)
    try:
        stored, refused = _store_attachments(rt, mail.attachments)
    except attachments.StoreUnavailable as exc:
        log.error("attachment store unavailable: %s", exc)
        return _text("attachment store unavailable; post again later", 503)
    incoming = to_incoming(mail, stored)
    if refused:
        incoming.raw["refused_attachments"] = refused
    with transaction(rt.sessions) as session:
        match = threads.find_thread(session, mail.sender, mail.subject, mail.in_reply_to,
                                    mail.references)
        # Mail from the address again: it is deliverable after all.
        bounce = session.get(EmailBounce, mail.sender)
        if bounce is not None:
            session.delete(bounce)
    if match is not None:
        incoming.raw["thread"] = {"conversation_id": match.conversation_id, "by": match.by,
                                  "outbound_id": match.outbound_id,
                                  "protocol": match.protocol_number}
    accept(rt, _storable(incoming))
    return _text("ok", 200)


def _own_address(rt) -> str:
    from email.policy import default

    return default.header_factory("from", from_address(rt.settings)).addresses[0].addr_spec.lower()


def _storable(incoming: Incoming) -> Incoming:
    # PostgreSQL text cannot hold NUL characters (bot.language.text.storable, as for WhatsApp).
    from dataclasses import replace

    return replace(incoming, text=storable(incoming.text),
                   profile_name=storable(incoming.profile_name or "") or None,
                   raw={k: storable(v) if isinstance(v, str) else v
                        for k, v in incoming.raw.items()})


def _store_ignored(rt, mail: ParsedEmail, reason: str) -> None:
    """Kept (nothing lost; attendants can see it) with a status no worker picks up."""
    try:
        with transaction(rt.sessions) as session:
            session.add(InboundMessage(
                channel="email", external_id=mail.external_id,
                conversation_key=f"email:{mail.sender}", sender=mail.sender,
                recipient=mail.recipient, text=storable(mail.new_text)[:10_000],
                attachments=[], raw={"subject": storable(mail.subject),
                                     "message_id": mail.message_id},
                status="ignored", error=reason[:2000], received_at=clock.now(),
                processed_at=clock.now()))
    except IntegrityError:
        log.info("duplicate e-mail %s acknowledged", mail.external_id)


def _mark_undeliverable(rt, mail: ParsedEmail, found: noise.Noise) -> None:
    with transaction(rt.sessions) as session:
        row = session.get(EmailBounce, found.failed_recipient)
        if row is None:
            row = EmailBounce(address=found.failed_recipient)
            session.add(row)
        row.status = (found.status or "")[:20]
        row.diagnostic = storable(found.diagnostic or "")[:2000] or None
        row.bounce_message_id = mail.message_id or None
        row.bounced_at = clock.now()
    log.warning("address %s… marked undeliverable (%s)", found.failed_recipient[:3],
                found.status)


def _store_attachments(rt, parts) -> tuple[tuple[Attachment, ...], list[dict]]:
    """Each file's type and size read from its bytes (`attachments.sniff`: cheap); what
    passes is put in the attachment store (content-addressed: a retried POST stores
    nothing new) before the 200, so a killed worker loses nothing. The full check (an
    encrypted or broken PDF, a tiny or blank photo) is the worker's, as for WhatsApp
    media (bot/pipeline/media.py), so the acknowledgement stays fast. Refused ones are
    listed with the reason, never stored, for the journey and the attendants."""
    s = rt.settings
    store = attachments.store_from_settings(s)
    kept, refused = [], []
    for part in parts:
        sniffed = attachments.sniff(part.data, max_bytes=s.attachments_max_bytes)
        if not sniffed.accepted:
            refused.append({"filename": part.filename, "declared_type": part.content_type,
                            "reason": sniffed.reasons[0]})
            continue
        key = store.put(part.data)  # StoreUnavailable: 503, the service posts again
        item = attachments.stored_item(sniffed, key, part.filename, checked=False)
        kept.append(Attachment(url=item.pop("url"), content_type=item.pop("content_type"),
                               extra=item))
    return tuple(kept), refused


def _already_taken(rt, mail: ParsedEmail) -> bool:
    """A retried POST of a mail already stored: acknowledged without touching the store
    again (its files were stored the first time, and may since have been discarded)."""
    with transaction(rt.sessions) as session:
        return session.scalar(select(InboundMessage.id).where(
            InboundMessage.channel == "email",
            InboundMessage.external_id == mail.external_id).limit(1)) is not None
