"""Threads: our Message-IDs, the headers a reply carries, and where a reply belongs.

Every mail we send has a Message-ID of ours, fixed at its first attempt and recorded
with the address it went to (table email_sent). A reply naming one of them continues
that conversation or case only when it comes from that address: people who all answer
one bulk mail must not be merged, and a forwarded thread answered by someone else must
not land in another person's case.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.language.templates import render
from storage.models import Conversation, EmailSent, InboundMessage, OutboundMessage, Protocol

MAX_REFERENCES = 20  # RFC 5322 lets us trim the middle of a long chain; keep the tail
PROTOCOL_IN_SUBJECT = re.compile(r"\[\s*Protocolo\s*(?:n[ºo°.]*\s*)?(\d{6,40})\s*\]", re.I)
REPLY_PREFIX = re.compile(r"^\s*(re|res|resp|fw|fwd|enc|rv)\s*:", re.I)


def message_id_for(row: OutboundMessage, secret: str, domain: str) -> str:
    """Stable for the row (a resend after a crash mid-DATA is the same message, which the
    recipient's mail system can recognise), unique across databases (row ids restart)."""
    seed = f"{secret}|{row.id}|{row.created_at.isoformat()}".encode()
    return f"<outbox-{row.id}.{hashlib.sha256(seed).hexdigest()[:16]}@{domain}>"


def local_id(message_id: str) -> str:
    """outbox-12.ab… : the short form kept as the outbox row's external id (64 chars)."""
    return message_id.strip("<>").split("@", 1)[0][:64]


def record_for(session: Session, row: OutboundMessage, secret: str, domain: str,
               operator: str) -> EmailSent:
    """The headers of this row's mail, decided once (first attempt) and reused."""
    existing = session.scalars(select(EmailSent).where(EmailSent.outbound_id == row.id)).first()
    if existing is not None:
        return existing
    conversation = session.get(Conversation, row.conversation_id)
    # A case sent to a team names its protocol in its own subject (bot.services.teams):
    # one team conversation carries many cases, each its own thread.
    case = _protocol_of_subject(row.subject)
    last = _last_mail_from(session, conversation, case)
    raw = (last.raw or {}) if last is not None else {}
    their_id = raw.get("message_id") or None
    chain = [*raw.get("references", []), their_id] if their_id else []
    protocol = case or ((conversation.data or {}).get("protocol") if conversation else None)
    record = EmailSent(
        outbound_id=row.id, conversation_id=row.conversation_id,
        message_id=message_id_for(row, secret, domain), recipient=row.recipient.lower(),
        subject=subject_for(row.subject, raw.get("subject"), protocol, operator),
        in_reply_to=their_id, references=" ".join(chain[-MAX_REFERENCES:]) or None,
        protocol_number=protocol,
    )
    session.add(record)
    session.flush()
    return record


def _protocol_of_subject(subject: str | None) -> str | None:
    found = PROTOCOL_IN_SUBJECT.search(subject or "")
    return found.group(1) if found else None


CASE_LOOKBACK = 200  # a team's recent mails searched for the case's last one


def _last_mail_from(session: Session, conversation: Conversation | None,
                    case: str | None = None):
    if conversation is None:
        return None
    query = (select(InboundMessage)
             .where(InboundMessage.conversation_id == conversation.id,
                    InboundMessage.channel == "email", InboundMessage.status != "ignored")
             .order_by(InboundMessage.id.desc()))
    if case is None:
        return session.scalars(query.limit(1)).first()
    for mail in session.scalars(query.limit(CASE_LOOKBACK)):
        if ((mail.raw or {}).get("thread") or {}).get("protocol") == case:
            return mail
    return None


def subject_for(own: str | None, theirs: str | None, protocol: str | None,
                operator: str) -> str:
    """The row's own subject; else "Re: <theirs>" in a thread; else the operator's name.
    The protocol number goes in the subject, where a reply keeps it (threads fallback)."""
    if own:
        subject = own
    elif theirs:
        subject = theirs if REPLY_PREFIX.match(theirs) else f"Re: {theirs}"
    else:
        subject = render("email/subject", operator=operator)
    if protocol and not PROTOCOL_IN_SUBJECT.search(subject):
        subject = f"{subject} [Protocolo {protocol}]"
    return subject[:900]


@dataclass(frozen=True)
class ThreadMatch:
    conversation_id: int
    by: str  # "message-id" | "protocol"
    outbound_id: int | None = None
    protocol_number: str | None = None


def find_thread(session: Session, sender: str, subject: str,
                in_reply_to: tuple[str, ...], references: tuple[str, ...]) -> ThreadMatch | None:
    """The conversation or case a reply from `sender` continues, or None (a new one)."""
    sender = sender.lower()
    named = [*in_reply_to, *reversed(references)]  # the closest ancestor first
    if named:
        ours = {r.message_id: r for r in session.scalars(
            select(EmailSent).where(EmailSent.message_id.in_(named)))}
        for message_id in named:
            sent = ours.get(message_id)
            if sent is not None and sent.recipient == sender:
                return ThreadMatch(sent.conversation_id, "message-id", sent.outbound_id,
                                   sent.protocol_number)
    found = PROTOCOL_IN_SUBJECT.search(subject or "")
    if found:
        return _by_protocol(session, sender, found.group(1))
    return None


def _by_protocol(session: Session, sender: str, number: str) -> ThreadMatch | None:
    protocol = session.scalars(select(Protocol).where(Protocol.number == number)).first()
    owner = (session.get(Conversation, protocol.conversation_id)
             if protocol is not None and protocol.conversation_id else None)
    if owner is not None and owner.channel == "email" and owner.address == sender:
        return ThreadMatch(owner.id, "protocol", protocol_number=number)
    # A team the case was sent to (contas médicas, finance …) answers from its address.
    sent = session.scalars(select(EmailSent).where(
        EmailSent.protocol_number == number, EmailSent.recipient == sender)
        .order_by(EmailSent.id.desc()).limit(1)).first()
    if sent is not None:
        return ThreadMatch(sent.conversation_id, "protocol", sent.outbound_id, number)
    return None
