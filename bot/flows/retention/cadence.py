"""The outreach cadence: contacts 1–4 to a provider that asked to leave, run by the
sweeper's due work (every worker start, then every SWEEP_INTERVAL_SECONDS).

Nothing twice: a contact is a `retention_contacts` row per (case, number, channel) with a
unique idempotency key, written in the SAME transaction as its outbox row; two sweepers
racing (or one re-running after a crash) collide on the key and one rolls back. A worker
killed before the commit leaves nothing behind, so the next sweep sends it; after the
commit, the outbox's own guarantees take over (deliver once, settle ambiguous sends).
A reply (any message from the provider's phone or e-mail, see flow.py) moves the case out
of "open" and no further contact is due.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import runtime as runtime_module
from bot.flows.retention import cadence_rules
from bot.flows.retention.cadence_rules import Cadence, Contact
from bot.language import phones
from bot.language.templates import render
from bot.platform import clock, queueing
from bot.services import outbox
from bot.services.outreach.conversations import whatsapp_conversation
from storage.db import transaction
from storage.models import Conversation, InboundMessage, RetentionCase, RetentionContact

log = logging.getLogger(__name__)


def next_due(case: RetentionCase, contacts: list[RetentionContact],
             cadence: Cadence) -> tuple[Contact, datetime] | None:
    """The next contact of the case and when it is due (UTC), or None when all were made."""
    last = max((c.number for c in contacts), default=0)
    contact = cadence.contact(last + 1)
    if contact is None:
        return None
    since = case.created_at if last == 0 else max(
        c.sent_at or c.due_at for c in contacts if c.number == last)
    return contact, cadence.due_at(contact, since, case.uf)


def run_cadence(runtime) -> int:
    """Due work: every open case whose next contact is due gets it (once)."""
    with transaction(runtime.sessions) as s:
        ids = list(s.scalars(select(RetentionCase.id).where(RetentionCase.status == "open")
                             .order_by(RetentionCase.id)))
    return sum(send_due_contact(case_id) for case_id in ids)


def send_due_contact(case_id: int) -> int:
    rt = runtime_module.current()
    cadence = cadence_rules.of(rt)
    conversations: list[int] = []
    try:
        with transaction(rt.sessions) as s:
            case = s.get(RetentionCase, case_id, with_for_update=True, populate_existing=True)
            if case is None or case.status != "open":
                return 0
            contacts = list(s.scalars(select(RetentionContact).where(RetentionContact.case_id == case_id)))
            due = next_due(case, contacts, cadence)
            if due is None or clock.now() < due[1] or not cadence.open_now(case.uf):
                return 0
            provider = rt.registry.bind(s).dental_provider(case.provider_ref)
            if _replied_meanwhile(s, case, provider):
                return 0  # a reply the claim did not see (e.g. while queued for a person)
            conversations = _send(s, rt, cadence, case, provider, *due)
    except IntegrityError:
        log.info("retention case %s: contact already made by another worker", case_id)
        return 0
    for conversation_id in conversations:
        queueing.deliver_later(rt, conversation_id)
    return 1


def _replied_meanwhile(s, case: RetentionCase, provider) -> bool:
    """Any message from the provider's phones or e-mails since the case opened is a reply,
    whichever path it took; the case is marked replied with it."""
    if provider is None:
        return False
    keys = [f"whatsapp:{v}" for p in provider.phones for v in phones.variants(p)]
    keys += [f"email:{e}" for e in provider.emails]
    first = s.scalars(select(InboundMessage).where(
        InboundMessage.conversation_key.in_(keys), InboundMessage.received_at >= case.created_at)
        .order_by(InboundMessage.id).limit(1)).first()
    if first is None:
        return False
    case.status, case.replied_at, case.reply_channel = "replied", first.received_at, first.channel
    return True


def _send(s, rt, cadence: Cadence, case: RetentionCase, provider, contact: Contact,
          due_at: datetime) -> list[int]:
    now = clock.now()
    addresses = {"whatsapp": provider.phones[0] if provider and provider.phones else None,
                 "email": provider.emails[0] if provider and provider.emails else None}
    context = dict(case=case, provider=provider, number=contact.number, clause=cadence.clause,
                   last_day=cadence.last_service_day(case.opened_on),
                   notice_days=cadence.notice_days, operator=rt.settings.operator_name)
    conversations = []
    for channel in contact.channels:
        address = addresses[channel]
        body = render(contact.template, channel=channel, **context)
        row_id, status = None, "skipped"
        if address:
            conversation = _conversation(s, channel, address)
            row = _enqueue(s, cadence, conversation, channel, body, contact.number, case)
            row_id, status = row.id, ("skipped" if row.status == "skipped" else "sent")
            conversations.append(conversation.id)
        s.add(RetentionContact(
            case_id=case.id, number=contact.number, channel=channel, address=address or "",
            idempotency_key=f"retencao:{case.id}:{contact.number}:{channel}", due_at=due_at,
            status=status, text=body, sent_at=now, outbound_id=row_id))
    s.flush()  # the unique key is checked here, before anything is delivered
    return conversations


def _conversation(s, channel: str, address: str) -> Conversation:
    if channel == "whatsapp":
        return whatsapp_conversation(s, address, None)
    existing = s.scalars(select(Conversation).where(
        Conversation.channel == "email", Conversation.address == address)).first()
    if existing is not None:
        return existing
    conversation = Conversation(channel="email", address=address, data={}, created_at=clock.now())
    s.add(conversation)
    s.flush()
    return conversation


def _enqueue(s, cadence: Cadence, conversation: Conversation, channel: str, body: str,
             number: int, case: RetentionCase):
    if channel == "email":
        subject = render("retention/subject", case=case, number=number).strip()
        return outbox.enqueue_text(s, conversation, body, subject=subject, author="system")[0]
    return outbox.enqueue_business_initiated(s, conversation, body,
                                             content_sid=cadence.content_sid or None,
                                             variables={"1": body})
