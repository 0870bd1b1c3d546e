"""E-mail to an internal team (contas médicas, finance) about a dispute, in ONE module:
the case goes through the team service (bot/services/teams.py: the outbox, "[Protocolo N]"
in the subject, the team's reply threading into the case and the journey's hook)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from bot.services import protocols, teams

CONTAS_MEDICAS = teams.CONTAS_MEDICAS
FINANCE = teams.FINANCE


class NoTeamAddress(Exception):
    """The team has no address: the case goes to the attendants instead."""


def send(session: Session, settings, team: str, protocol: str, subject: str, body: str) -> int:
    """Queue the mail (same transaction as the case); the conversation id to deliver."""
    case = protocols.by_number(session, protocol)
    try:
        row = teams.send_case(session, settings, team, case, subject, body)
    except teams.UnknownTeam as exc:
        raise NoTeamAddress(subject) from exc
    return row.conversation_id
