"""The queue page: who is waiting for a person, for how long (SLA colour), why, and the
conversations the viewer owns; refreshed in place every few seconds (htmx polling)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, g, render_template, request
from sqlalchemy import select

from bot.engine import attendants as handoff
from bot.platform import clock
from bot.platform.business_hours import is_open, next_opening
from storage.db import transaction
from storage.models import Attendant, Conversation, Protocol

from . import labels
from .auth import requires
from .blueprint import bp
from .masking import mask_address

FILTERS = {"all": "Todas", "waiting": "Aguardando", "mine": "Minhas", "cases": "Casos devidos"}
POLL_SECONDS = 3
# Every open console re-reads the queue every POLL_SECONDS: in a surge a page shows the
# longest waits (what attendants take next) and how many more there are.
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class QueueEntry:
    id: int
    channel: str
    address: str
    state: str  # waiting | attendant | case (back with the bot, the team owes a case)
    owner: str | None
    mine: bool
    since: datetime | None
    minutes: int
    sla: str  # ok | warn | late
    journey: str
    protocol: str | None
    reason: str | None


def _rt():
    return current_app.extensions["planbot"]


def entries(session, viewer, channel: str | None = None, which: str = "all") -> list[QueueEntry]:
    me = session.get(Attendant, viewer.attendant_id)
    conversations = handoff.waiting(session, include_mine=me)
    if viewer.supervises:  # supervisors also see who is being served by whom
        seen = {c.id for c in conversations}
        conversations += [c for c in session.scalars(select(Conversation).where(
            Conversation.handoff == "attendant").order_by(Conversation.escalated_at, Conversation.id))
            if c.id not in seen]
    numbers = {(c.data or {}).get("protocol") for c in conversations} - {None}
    protocols = {p.number: p for p in session.scalars(select(Protocol).where(Protocol.number.in_(numbers)))} \
        if numbers else {}
    # One query for every row's cases: each open console re-reads the page every few seconds.
    cases = handoff.open_cases_of(session, [c.id for c in conversations if not c.handoff])
    owners = {a.id: a.name for a in session.scalars(select(Attendant))}
    amber, red = _rt().settings.console_sla_minutes
    now = clock.now()
    result = []
    for c in conversations:
        state = c.handoff if c.handoff else "case"
        owed = cases.get(c.id, [])
        protocol = protocols.get((c.data or {}).get("protocol")) or (owed[0] if owed else None)
        since = owed[0].updated_at if owed else c.escalated_at
        minutes = int((now - since).total_seconds() // 60) if since else 0
        sla = "ok" if state == "attendant" else "late" if minutes >= red else "warn" if minutes >= amber else "ok"
        entry = QueueEntry(
            id=c.id, channel=c.channel, address=mask_address(c.address), state=state,
            owner=owners.get(c.attendant_id) if c.attendant_id else None,
            mine=c.attendant_id == viewer.attendant_id, since=since, minutes=minutes, sla=sla,
            journey=labels.journey(protocol.journey if protocol else None),
            protocol=protocol.number if protocol else None, reason=c.handoff_reason)
        if channel and entry.channel != channel:
            continue
        if which == "mine" and not entry.mine or which == "waiting" and state != "waiting" \
                or which == "cases" and state != "case":
            continue
        result.append(entry)
    return result


def team_hours() -> dict:
    settings = _rt().settings
    local = clock.local_now()
    opening = next_opening(local, settings.business_hours, settings.operator_state)
    return {"open": is_open(local, settings.business_hours, settings.operator_state),
            "next": opening, "spec": settings.business_hours}


def _arguments() -> tuple[str | None, str]:
    channel = request.args.get("channel") or None
    which = request.args.get("filter", "all")
    return (channel if channel in labels.CHANNELS else None), (which if which in FILTERS else "all")


@bp.get("/queue")
@requires("attendant")
def queue():
    channel, which = _arguments()
    with transaction(_rt().sessions) as s:
        items = entries(s, g.viewer, channel, which)
    return render_template("console/queue.html", items=items[:QUEUE_LIMIT], total=len(items),
                           filters=FILTERS, which=which, channel=channel,
                           channels=labels.CHANNELS, hours=team_hours(), poll=POLL_SECONDS,
                           labels=labels)


@bp.get("/queue/rows")
@requires("attendant")
def queue_rows():
    channel, which = _arguments()
    with transaction(_rt().sessions) as s:
        items = entries(s, g.viewer, channel, which)
    return render_template("console/_queue_rows.html", items=items[:QUEUE_LIMIT],
                           total=len(items), labels=labels, hours=team_hours())
