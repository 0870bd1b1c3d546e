"""Mail from an internal team's address (bot.services.teams): never a journey turn.

The webhook found the case it answers (bot.channels.email.threads: our Message-ID from
that very address, or `[Protocolo N]` in the subject of a case sent to that team) and kept
it on the inbound row. Here, in the message's own transaction: the answer and its files
go into the case's history, then the case's journey's `team_reply` hook runs. A team mail
naming no case of that team is kept (status processed, the reason in `error`) and logged.
"""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.services import protocols, teams
from bot.services.attachments import record_stored
from storage.models import Conversation, InboundMessage

log = logging.getLogger(__name__)


def is_team_conversation(rt, conversation: Conversation) -> bool:
    return conversation.channel == "email" and (
        bool((conversation.data or {}).get("team"))
        or teams.team_of(rt.settings, conversation.address) is not None)


def handle(s: Session, rt, conversation: Conversation, msg: InboundMessage) -> list[int]:
    """Attach the reply to its case; returns the conversations with replies to deliver."""
    team = (conversation.data or {}).get("team") or teams.team_of(rt.settings,
                                                                 conversation.address)
    thread = (msg.raw or {}).get("thread") or {}
    protocol = protocols.by_number(s, thread["protocol"]) if thread.get("protocol") else None
    if protocol is None:
        msg.error = "e-mail da equipe sem protocolo de um caso enviado a ela"
        log.warning("team %s mail %s names no case: kept, not attached", team, msg.id)
        return []
    ids = tuple(record_stored(s, item, conversation_id=conversation.id,
                              inbound_message_id=msg.id, case_ref=protocol.number).id
                for item in msg.attachments or () if item.get("sha256"))
    teams.record_reply(s, team, protocol, msg.text or "", ids)
    reply = teams.TeamReply(session=s, runtime=rt, team=team, protocol=protocol,
                            text=msg.text or "", subject=(msg.raw or {}).get("subject", ""),
                            sender=msg.sender, attachment_ids=ids)
    flow = next((f for f in rt.journeys or () if f.journey == protocol.journey), None)
    if flow is not None and flow.hooks.team_reply is not None:
        flow.hooks.team_reply(reply)
    return reply.deliver_to
