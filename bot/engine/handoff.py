"""The human queue's policy, in one place: when a conversation goes to a person, what the
person is told while waiting, and what leaving the queue does to the case.

What attendants do to a conversation (take, reply, release) is `bot.engine.attendants`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.platform import clock
from bot.platform.business_hours import closed_until
from bot.services import protocols
from storage.models import Protocol

HUMAN_JOURNEY = "atendimento_humano"  # protocol journey of a request for a person
QUEUE_NOTICE_INTERVAL = timedelta(minutes=10)  # at most one "you are in the queue" per interval


def escalate(turn, reason: str, *, template: str = "handoff/waiting", owed: bool = True,
             **context) -> None:
    """Queue the conversation for a person. `owed`: the team must act on the case (a flow's
    escalation: guarantee, data to fix, a supervisor's decision) even if the person leaves
    the queue; False for a mere request for a person, which leaving withdraws."""
    c = turn.conversation
    protocol = turn.protocol
    if protocol is None or protocols.is_closed(protocol):
        # ANS: a request for a person is a request too — its own protocol, told first.
        protocol = turn.open_protocol(HUMAN_JOURNEY)
        turn.say("protocol_opened", number=protocol.number, journey=HUMAN_JOURNEY)
    c.handoff = "waiting"
    c.handoff_reason = reason[:200]
    c.escalated_at = clock.now()
    c.attendant_id = None
    protocols.set_status(protocol, "encaminhado", reason)
    protocol.details = {**(protocol.details or {}), "handoff": "case" if owed else "request"}
    turn._retry = None
    turn.say(template, reason=reason, **context)
    opens = closed_until(turn.settings)
    if opens is not None:  # outside the team's hours: say when a person will answer
        turn.say("handoff/after_hours", opens=opens, today=clock.today())


def remind_queue_position(turn) -> None:
    c = turn.conversation
    now = clock.now()
    told = c.data.get("queue_notice_at")
    last = max(filter(None, [c.escalated_at,
                             datetime.fromisoformat(told) if told else None]), default=None)
    if last is not None and now - last < QUEUE_NOTICE_INTERVAL:
        return
    turn.remember(queue_notice_at=now.isoformat())
    turn.say("handoff/still_waiting", protocol=turn.protocol)


def leave_human_queue(turn, number: str | None = None) -> bool:
    """`menu` / `cancelar` / `sair` (or a button starting a journey) while waiting for a
    human: the person is told what became of their request either way.

    Only the person's own request for a person is withdrawn (protocol "cancelado"). A case
    the operator owes — an ANS guarantee, data to correct, a supervisor's decision — stays
    "encaminhado" and listed for the attendants in its place in the queue, while the
    conversation goes back to the bot; the person is told the case goes on. True then."""
    c = turn.conversation
    number = number or c.data.get("protocol")
    protocol = protocols.by_number(turn.session, number) if number else None
    is_open = protocol is not None and not protocols.is_closed(protocol)
    kept = is_open and owed_by_team(protocol)
    if is_open and not kept:
        protocols.set_status(protocol, "cancelado",
                             "cancelado pelo beneficiário: saiu da fila do atendimento humano")
    c.handoff = None
    c.handoff_reason = None
    turn.end()
    turn.say("handoff/case_continues" if kept else "handoff/left_queue",
             protocol=protocol if is_open else None)
    return kept


def owed_by_team(protocol: Protocol) -> bool:
    """A forwarded case the team must still act on, as opposed to a mere request for a
    person (the "atendimento humano" protocol, or a journey forwarded only because the
    person asked for someone or the bot did not understand them)."""
    if protocol.journey == HUMAN_JOURNEY:
        return False
    return (protocol.details or {}).get("handoff") != "request"
