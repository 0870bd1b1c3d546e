"""Human handoff: attendants take escalated conversations, reply through the same outbox
and hand them back to the bot."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine.handoff import HUMAN_JOURNEY
from bot.language.templates import render
from bot.language.text import storable
from bot.platform import clock
from bot.services import outbox, protocols
from storage.db import MAX_ROW_ID
from storage.models import Attendant, Conversation, InboundMessage, OutboundMessage, Protocol


class HandoffError(Exception):
    def __init__(self, reason: str, status: int = 409):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_attendant(session: Session, name: str) -> str:
    token = secrets.token_urlsafe(32)
    session.add(Attendant(name=name, token_hash=hash_token(token), created_at=clock.now()))
    return token


def attendant_for_token(session: Session, token: str) -> Attendant | None:
    if not token:
        return None
    return session.scalars(select(Attendant).where(
        Attendant.token_hash == hash_token(token), Attendant.active.is_(True))).first()


def waiting(session: Session, include_mine: Attendant | None = None) -> list[Conversation]:
    """The attendants' queue, oldest first: conversations waiting for a person, the
    caller's own, and conversations back with the bot whose person left the queue while
    the team still owes them a case (an "encaminhado" protocol), in the case's place."""
    queued = session.scalars(select(Conversation).where(Conversation.handoff.is_not(None)))
    entries = {c.id: (c.escalated_at, c) for c in queued
               if c.handoff == "waiting" or (include_mine and c.attendant_id == include_mine.id)}
    for protocol, c in session.execute(
            select(Protocol, Conversation).join(Conversation, Protocol.conversation_id == Conversation.id)
            .where(Protocol.status == "encaminhado", Conversation.handoff.is_(None))):
        since = protocol.updated_at  # when it was forwarded: it keeps its place
        if c.id not in entries or since < entries[c.id][0]:
            entries[c.id] = (since, c)
    return [c for _, c in sorted(entries.values(), key=lambda e: (e[0] or clock.now(), e[1].id))]


def open_cases(session: Session, conversation: Conversation) -> list[Protocol]:
    """Protocols of this conversation forwarded to the team and not yet settled."""
    return open_cases_of(session, [conversation.id]).get(conversation.id, [])


def open_cases_of(session: Session, conversation_ids: list[int]) -> dict[int, list[Protocol]]:
    """`open_cases` of many conversations in one query (a queue page lists them all),
    oldest first; conversations that owe none are absent."""
    found: dict[int, list[Protocol]] = {}
    if conversation_ids:
        for protocol in session.scalars(
                select(Protocol).where(Protocol.status == "encaminhado",
                                       Protocol.conversation_id.in_(conversation_ids))
                .order_by(Protocol.updated_at, Protocol.id)):
            found.setdefault(protocol.conversation_id, []).append(protocol)
    return found


def transcript(session: Session, conversation: Conversation, limit: int = 50) -> list[dict]:
    inbound = session.scalars(select(InboundMessage).where(
        InboundMessage.conversation_id == conversation.id)
        .order_by(InboundMessage.id.desc()).limit(limit))
    outbound = session.scalars(select(OutboundMessage).where(
        OutboundMessage.conversation_id == conversation.id)
        .order_by(OutboundMessage.id.desc()).limit(limit))
    items = [{"from": "person", "text": m.text, "at": m.received_at.isoformat(),
              "attachments": m.attachments, "_order": (m.received_at, 0, m.id)} for m in inbound]
    items += [{"from": m.author, "text": m.body, "at": m.created_at.isoformat(),
               "status": m.status, "_order": (m.created_at, 1, m.id)} for m in outbound]
    # Same-instant ties: a message is answered after it arrived.
    items.sort(key=lambda i: i["_order"])
    for item in items:
        del item["_order"]
    return items[-limit:]


def _locked(session: Session, conversation_id: int) -> Conversation:
    if not 1 <= conversation_id <= MAX_ROW_ID:  # the URL takes any digits; the database not
        raise HandoffError("conversation not found", 404)
    conversation = session.get(Conversation, conversation_id, with_for_update=True)
    if conversation is None:
        raise HandoffError("conversation not found", 404)
    return conversation


def take(session: Session, attendant: Attendant, conversation_id: int, settings=None) -> Conversation:
    """The caller owns the conversation. One back with the bot may be taken too (a
    supervisor stepping into a live chat, a case whose person left the queue): the bot
    stops, the request gets its protocol and the person is told a person is there."""
    c = _locked(session, conversation_id)
    if c.handoff == "attendant" and c.attendant_id != attendant.id:
        raise HandoffError("another attendant already owns this conversation")
    if c.handoff is None:
        _step_in(session, settings, c, attendant)
    c.handoff = "attendant"
    c.attendant_id = attendant.id
    c.escalated_at = c.escalated_at or clock.now()
    return c


def _step_in(session: Session, settings, c: Conversation, attendant: Attendant) -> None:
    """Which protocol the attendant works under: the journey running now (what the person
    is doing), else the oldest case the team owes, else a new "atendimento humano" one —
    whose number is told first (ANS)."""
    number = (c.data or {}).get("protocol") if c.flow else None
    protocol = protocols.by_number(session, number) if number else None
    opened = False
    if protocol is None or protocols.is_closed(protocol):
        cases = open_cases(session, c)
        protocol = cases[0] if cases else None
    if protocol is None:
        protocol = protocols.open_protocol(session, settings, HUMAN_JOURNEY,
                                           beneficiary_ref=c.beneficiary_ref, conversation_id=c.id)
        opened = True
    if protocol.status != "encaminhado":
        protocols.set_status(protocol, "encaminhado", f"atendente {attendant.name} assumiu a conversa")
    c.flow = c.state = None
    c.data = {"protocol": protocol.number}
    c.handoff_reason = f"conversa assumida por {attendant.name}"[:200]
    c.misunderstandings = 0
    texts = [render("protocol_opened", number=protocol.number, journey=HUMAN_JOURNEY)] if opened else []
    texts.append(render("handoff/stepped_in", protocol=protocol))
    outbox.enqueue_text(session, c, "\n\n".join(texts), author="system")


def reply(session: Session, attendant: Attendant, conversation_id: int, text: str) -> Conversation:
    c = _locked(session, conversation_id)
    if c.handoff == "attendant" and c.attendant_id != attendant.id:
        raise HandoffError("another attendant owns this conversation")
    if c.handoff != "attendant":
        raise HandoffError("take the conversation before replying")
    text = storable(text).strip()
    if not text:
        raise HandoffError("text is required", 400)
    outbox.enqueue_text(session, c, text, author="attendant")
    return c


def release(session: Session, attendant: Attendant, conversation_id: int,
            resolved: bool = True, note: str | None = None) -> Conversation:
    """Hand the conversation back to the bot and settle its cases (the request's protocol
    and any other still "encaminhado"): resolved (the default) closes them as "concluido";
    `resolved=False` keeps them open ("aberto", shown as "em andamento") for the team to
    finish outside the chat."""
    c = _locked(session, conversation_id)
    if c.handoff is None:
        raise HandoffError("the bot already owns this conversation")
    if c.handoff != "attendant":
        # Nobody has talked to the person yet: telling them "atendimento encerrado" and
        # concluding the request would be false. Take it first.
        raise HandoffError("take the conversation before releasing it")
    if c.attendant_id != attendant.id:
        raise HandoffError("another attendant owns this conversation")
    settled = _settle_protocols(session, c, attendant, resolved, storable(note or "").strip() or None)
    c.handoff = None
    c.handoff_reason = None
    c.attendant_id = None
    c.flow = None
    c.state = None
    c.data = {}
    c.misunderstandings = 0
    # A fresh bot session starts here (the idle expiry did not run while a person owned
    # the conversation, for hours maybe): the identity is confirmed again before any data.
    c.identity_verified_at = None
    c.last_activity_at = clock.now()
    outbox.enqueue_text(session, c, render("handoff/released", protocols=settled,
                                           resolved=resolved), author="system")
    return c


def _settle_protocols(session: Session, c: Conversation, attendant: Attendant, resolved: bool,
                      note: str | None) -> list[Protocol]:
    """Every case of the conversation still with the team is settled, not only the one the
    attendant worked under: a case the person left the queue with (an ANS guarantee) and
    the request they made later are one conversation with one attendant, and one left
    "encaminhado" would keep the conversation in the attendants' listing for ever. A case
    kept "aberto" by an earlier release (work finished outside the chat) is not touched."""
    number = (c.data or {}).get("protocol")
    current = protocols.by_number(session, number) if number else None
    cases = open_cases(session, c)
    if current is not None and not protocols.is_closed(current) and current not in cases:
        cases.insert(0, current)
    for protocol in cases:
        if resolved:
            protocols.set_status(protocol, "concluido",
                                 note or f"atendimento humano concluído por {attendant.name}")
        else:
            protocols.set_status(protocol, "aberto",
                                 note or f"segue em andamento com a equipe ({attendant.name})")
    return cases
