"""The transactional outbox: replies are rows written in the same transaction as the
state change that caused them; a deliver job sends them later, in order, once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.channels.whatsapp import WHATSAPP_MAX_BODY
from bot.platform import clock
from storage.models import Conversation, OutboundMessage

MAX_BODY = {"whatsapp": WHATSAPP_MAX_BODY, "chat": WHATSAPP_MAX_BODY, "email": 100_000}
WHATSAPP_SESSION_WINDOW = timedelta(hours=24)


def split_body(text: str, limit: int) -> list[str]:
    """Split at paragraph, then line, then word boundaries so no part exceeds `limit`."""
    if len(text) <= limit:
        return [text]
    for sep in ("\n\n", "\n", " "):
        pieces = text.split(sep)
        if len(pieces) == 1:
            continue
        parts: list[str] = []
        current = ""
        for piece in pieces:
            candidate = f"{current}{sep}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                parts.append(current)
            if len(piece) > limit:
                parts.extend(split_body(piece, limit))
                current = ""
            else:
                current = piece
        if current:
            parts.append(current)
        return [p.strip() for p in parts if p.strip()]
    return [text[i:i + limit] for i in range(0, len(text), limit)]


REPLIED = "outbox.replied"  # session.info key: a reply (not a system message) was written


def replied(session: Session) -> bool:
    """Whether this session (one transaction) wrote a reply to the person: what the
    delivery may claim before the commit (decision 0279)."""
    return session.info.get(REPLIED, False)


def enqueue_text(session: Session, conversation: Conversation, body: str, *,
                 author: str = "bot", media: list | None = None, subject: str | None = None,
                 not_before=None) -> list[OutboundMessage]:
    limit = MAX_BODY.get(conversation.channel, WHATSAPP_MAX_BODY)
    parts = split_body(body, limit) if body else [""]
    rows = []
    for index, part in enumerate(parts):
        row = OutboundMessage(
            conversation_id=conversation.id, channel=conversation.channel,
            recipient=conversation.address, body=part, author=author, subject=subject,
            # media rides on the last part so the text that introduces it arrives first
            media=(media or []) if index == len(parts) - 1 else [],
            not_before=not_before, created_at=clock.now(),
        )
        session.add(row)
        rows.append(row)
    session.flush()
    if author != "system":
        session.info[REPLIED] = True
    return rows


def inside_session_window(conversation: Conversation) -> bool:
    last = conversation.last_inbound_at
    return last is not None and clock.now() - last < WHATSAPP_SESSION_WINDOW


def enqueue_business_initiated(session: Session, conversation: Conversation, body: str, *,
                               content_sid: str | None, variables: dict | None,
                               not_before=None) -> OutboundMessage:
    """A message the person did not just ask for (reminder, campaign).

    WhatsApp only delivers free text within 24 h of the person's last message; outside it
    an approved template (Twilio Content SID) is mandatory. With no template configured we
    do not try free text (it would fail with 63016): the row is recorded as skipped, with
    the reason, so the operator sees it.
    """
    row = OutboundMessage(
        conversation_id=conversation.id, channel=conversation.channel,
        recipient=conversation.address, body=body, author="system", not_before=not_before,
        created_at=clock.now(),
    )
    if conversation.channel == "whatsapp" and not _window_open_at(conversation, not_before):
        if content_sid:
            row.content_sid = content_sid
            row.content_variables = {str(k): str(v) for k, v in (variables or {}).items()}
        else:
            row.status = "skipped"
            row.error_message = "fora da janela de 24 h e sem template aprovado configurado"
    session.add(row)
    session.flush()
    return row


def _window_open_at(conversation: Conversation, when) -> bool:
    last = conversation.last_inbound_at
    moment = when or clock.now()
    return last is not None and moment - last < WHATSAPP_SESSION_WINDOW


LIST_TITLE_MAX = 24
LIST_DESCRIPTION_MAX = 72


def interactive_variables(body: str, items: list[dict]) -> dict:
    """Content variables for our list-picker / quick-reply templates (layout in README):
    "1" is the body; item i (1-based) uses 3i-1 (id), 3i (title), 3i+1 (description)."""
    variables = {"1": body}
    for i, item in enumerate(items, 1):
        variables[str(3 * i - 1)] = str(item["id"])
        variables[str(3 * i)] = item["title"][:LIST_TITLE_MAX]
        variables[str(3 * i + 1)] = (item.get("description") or "")[:LIST_DESCRIPTION_MAX]
    return variables


def enqueue_interactive(session: Session, conversation: Conversation, content_sid: str,
                        body: str, items: list[dict], transcript: str) -> OutboundMessage:
    row = OutboundMessage(
        conversation_id=conversation.id, channel=conversation.channel,
        recipient=conversation.address, body=transcript, content_sid=content_sid,
        content_variables=interactive_variables(body, items), created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    session.info[REPLIED] = True
    return row
