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

TEAM_MAILBOX = "caixa de e-mail de equipe interna: respostas lidas pelos atendentes"


class NoTeamAddress(Exception):
    """The team's address is not configured: the case goes to the attendants instead."""


def send(session: Session, address: str, protocol: str, subject: str, body: str) -> int:
    """Queue the mail (same transaction as the case); the conversation id to deliver."""
    if not address:
        raise NoTeamAddress(subject)
    conversation = session.scalars(select(Conversation).where(
        Conversation.channel == "email", Conversation.address == address.lower())).first()
    if conversation is None:
        # A team's mailbox is not a beneficiary: its replies must never get the bot's menu
        # or identity questions. Until team replies thread into cases, the conversation is
        # held by "an attendant" (none in particular): the bot stays silent and people
        # read the replies in the console.
        conversation = Conversation(channel="email", address=address.lower(), data={},
                                    handoff="attendant", handoff_reason=TEAM_MAILBOX)
        session.add(conversation)
        session.flush()
    outbox.enqueue_text(session, conversation, body, subject=f"{subject} [Protocolo {protocol}]"[:200])
    return conversation.id
