"""A guide's status changes, pushed by the operator (handlers/operator.py) or found by
polling its API: each change stored once (event id), applied in the operator's order,
and told to the person once — a Content template outside WhatsApp's 24-hour window.
A deadline about to pass alerts the attendants' queue (an owed case)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.language.templates import render
from bot.platform import clock, queueing
from bot.platform.calendar import add_business_days
from bot.registry.base import GuideInfo, RegistryUnavailable
from bot.services import outbox, protocols
from storage.db import transaction
from storage.models import Conversation, GuideEvent, GuideTracking

log = logging.getLogger(__name__)

FINAL = frozenset({"autorizada", "negada", "cancelada", "parcialmente_autorizada"})
NOT_TOLD = ""  # a guide followed from a push or poll: no status told to the person yet


@dataclass(frozen=True)
class Change:
    event_id: str
    number: str
    status: str
    occurred_at: datetime  # naive UTC
    source: str = "push"
    payload: dict | None = None


def apply(session: Session, runtime, change: Change) -> tuple[str, int | None]:
    """('unknown' | 'duplicate' | 'stale' | 'unchanged' | 'applied', conversation to
    deliver to). Unknown guide: nothing is written at all."""
    if session.scalars(select(GuideEvent.id).where(GuideEvent.event_id == change.event_id)).first():
        return "duplicate", None
    guide = runtime.registry.bind(session).guide(change.number)
    if guide is None:
        return "unknown", None
    tracking = _tracking(session, runtime, guide)
    event = GuideEvent(event_id=change.event_id, guide_number=change.number, status=change.status,
                       source=change.source, occurred_at=change.occurred_at,
                       payload=change.payload or {}, received_at=clock.now())
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:  # the same event stored by a concurrent request
        return "duplicate", None
    if tracking.last_event_at is not None and change.occurred_at <= tracking.last_event_at:
        event.applied = False  # older than a change already told: never told out of order
        return "stale", None
    tracking.last_event_at = change.occurred_at
    if change.status == tracking.status:
        return "unchanged", None
    tracking.status = change.status
    _settle_protocol(session, tracking, guide, change)
    conversation = session.get(Conversation, tracking.conversation_id) if tracking.conversation_id else None
    if conversation is None:
        log.info("guide %s changed to %s: no conversation to tell", change.number, change.status)
        return "applied", None
    _tell(session, runtime, conversation, tracking, guide, change)
    return "applied", conversation.id


def _tracking(session: Session, runtime, guide: GuideInfo) -> GuideTracking:
    tracking = session.get(GuideTracking, guide.number, with_for_update=True)
    if tracking is not None:
        return tracking
    # A guide requested elsewhere (at the desk, by the clinic): followed from now on, told
    # on the conversation of its person's (or titular's) phone. Its status is not taken
    # from the registry: the operator's API already shows the change being pushed, which
    # would then read as "unchanged" and never be told.
    tracking = GuideTracking(number=guide.number, beneficiary_ref=guide.beneficiary_ref,
                             conversation_id=_conversation_of(session, runtime, guide.beneficiary_ref),
                             status=NOT_TOLD, deadline=guide.deadline, created_at=clock.now())
    session.add(tracking)
    session.flush()
    return tracking


def _conversation_of(session: Session, runtime, beneficiary_ref: str) -> int | None:
    registry = runtime.registry.bind(session)
    person = registry.beneficiary(beneficiary_ref)
    refs = [beneficiary_ref] + ([person.holder_ref] if person and person.holder_ref else [])
    return session.scalars(select(Conversation.id).where(
        Conversation.beneficiary_ref.in_(refs), Conversation.channel == "whatsapp")
        .order_by(Conversation.last_inbound_at.desc())).first()


def _settle_protocol(session: Session, tracking: GuideTracking, guide: GuideInfo,
                     change: Change) -> None:
    protocol = protocols.by_number(session, tracking.protocol_number) if tracking.protocol_number else None
    if protocol is None or protocols.is_closed(protocol):
        return
    label = render("guides/status_label", status=change.status)
    if change.status in FINAL:
        protocols.set_status(protocol, "concluido", f"guia {guide.number} {label} (operadora)")
    else:
        protocols.set_status(protocol, protocol.status, f"guia {guide.number}: {label}")


def _tell(session: Session, runtime, conversation: Conversation, tracking: GuideTracking,
          guide: GuideInfo, change: Change) -> None:
    payload = change.payload or {}
    context = dict(guide=guide, status=change.status, protocol=tracking.protocol_number,
                   reason=payload.get("reason") or guide.reason,
                   clause=payload.get("clause") or guide.clause,
                   valid_until=_day(payload.get("valid_until")) or guide.valid_until,
                   deadline=tracking.deadline)
    outbox.enqueue_business_initiated(
        session, conversation, render("guides/changed", **context),
        content_sid=runtime.settings.content_guide_sid or None,
        variables={"1": guide.procedure_name[:60], "2": guide.number,
                   "3": render("guides/status_label", status=change.status),
                   "4": tracking.protocol_number or "-"})


def _day(value):
    return date.fromisoformat(value) if value else None


# -- polling (the alternative to pushes) ----------------------------------------------------
def poll(runtime) -> int:
    """Due work: ask the operator about guides still in analysis, at most every
    GUIDE_POLL_MINUTES; a different status is applied as a change ("poll:" event ids, so
    two sweeps finding the same change store it once)."""
    minutes = runtime.settings.guide_poll_minutes
    if not minutes:
        return 0
    cutoff = clock.now() - timedelta(minutes=minutes)
    with transaction(runtime.sessions) as s:
        numbers = list(s.scalars(select(GuideTracking.number).where(
            GuideTracking.status.not_in(FINAL),
            (GuideTracking.polled_at.is_(None)) | (GuideTracking.polled_at <= cutoff))))
    changed = 0
    for number in numbers:
        deliver_to = None
        with transaction(runtime.sessions) as s:
            tracking = s.get(GuideTracking, number, with_for_update=True, populate_existing=True)
            try:
                guide = runtime.registry.bind(s).guide(number)
            except RegistryUnavailable as exc:
                log.info("polling guide %s: %s", number, exc)
                return changed
            tracking.polled_at = clock.now()
            if guide is None or guide.status == tracking.status:
                continue
            result, deliver_to = apply(s, runtime, Change(
                f"poll:{number}:{guide.status}", number, guide.status, clock.now(), "poll",
                {"reason": guide.reason, "clause": guide.clause,
                 "valid_until": guide.valid_until.isoformat() if guide.valid_until else None}))
            changed += result == "applied"
        if deliver_to is not None:
            queueing.deliver_later(runtime, deliver_to)
    return changed


# -- deadlines about to pass -------------------------------------------------------------------
def alert_deadlines(runtime) -> int:
    """Due work: guides still in analysis whose answer deadline is within
    GUIDE_ALERT_BUSINESS_DAYS business days go to the attendants' queue, once, as a case
    the team owes (its protocol "encaminhado")."""
    settings = runtime.settings
    days = settings.guide_alert_business_days
    horizon = add_business_days(clock.today(), days, settings.operator_state)
    alerted = 0
    with transaction(runtime.sessions) as s:
        due = list(s.scalars(select(GuideTracking).where(
            GuideTracking.status.not_in(FINAL), GuideTracking.deadline.is_not(None),
            GuideTracking.deadline <= horizon, GuideTracking.alerted_at.is_(None))
            .with_for_update()))
        for tracking in due:
            protocol = protocols.by_number(s, tracking.protocol_number) if tracking.protocol_number else None
            if protocol is None or protocols.is_closed(protocol):
                protocol = protocols.open_protocol(
                    s, settings, "status_guia", beneficiary_ref=tracking.beneficiary_ref,
                    conversation_id=tracking.conversation_id, details={"guide": tracking.number})
                tracking.protocol_number = protocol.number
            protocols.set_status(protocol, "encaminhado",
                                 f"prazo ANS de resposta da guia {tracking.number} vence em "
                                 f"{tracking.deadline:%d/%m/%Y}: cobrar a auditoria")
            protocol.details = {**(protocol.details or {}), "handoff": "case",
                                "guide": tracking.number, "deadline": tracking.deadline.isoformat()}
            tracking.alerted_at = clock.now()
            alerted += 1
    return alerted

