"""E-mail to an internal team (contas médicas, financeiro) about a case, in ONE module.

Until the team e-mail service lands (bot/services/teams.py, with replies threading into
cases), this writes an outbox row on the e-mail conversation of the team's address, with
"[Protocolo N]" in the subject (where a reply keeps it). Switching to the service is this
module only: `send` keeps its signature.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import outbox
from storage.models import Conversation


class NoTeamAddress(Exception):
    """The team's address is not configured: the case goes to the attendants instead."""


def send(session: Session, address: str, protocol: str, subject: str, body: str,
         beneficiary_ref: str | None = None) -> int:
    """Queue the mail (same transaction as the case); the conversation id to deliver."""
    if not address:
        raise NoTeamAddress(subject)
    conversation = session.scalars(select(Conversation).where(
        Conversation.channel == "email", Conversation.address == address.lower())).first()
    if conversation is None:
        conversation = Conversation(channel="email", address=address.lower(), data={})
        session.add(conversation)
        session.flush()
    outbox.enqueue_text(session, conversation, body, subject=f"{subject} [Protocolo {protocol}]"[:200])
    return conversation.id
