"""Outbound negotiation campaign to delinquent beneficiaries, paced.

Each target's message gets its own `not_before` (start + i / rate, exact to the
microsecond) and a delivery job scheduled for that moment. That spreads the work; the
guarantee comes from `bot.pacing`: right before sending, every campaign message takes a
slot of the sender number's shared limit, so a backlog, a sweeper burst or two campaigns
at once still keep to the rate (the exact guarantee is in bot/pacing.py). Outside the 24 h window WhatsApp requires an approved
template (TWILIO_CONTENT_NEGOTIATION_SID); without one the targets are recorded as
skipped, never sent as free text. The template is neutral (no amounts, no debt): whoever
holds the phone has not proved who they are yet.

The conversation waits for the invitation's answer ("campaign_reply") only from the
moment the invitation actually goes out (`before_sending`, called by bot.jobs right before
the provider): an invitation still waiting for its slot when the person writes, or whose
conversation is busy (a journey running, a human attending), is skipped with the reason
instead of landing in the middle of what the person is doing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import or_, select

from bot import clock, outbox, pacing, phones, queueing
from bot.templates import render
from storage.db import transaction
from storage.models import Campaign, CampaignTarget, Conversation, InboundMessage, OutboundMessage

log = logging.getLogger(__name__)


class CampaignError(ValueError):
    pass


def start_negotiation_campaign(runtime, *, rate: float, started_by: str,
                               limit: int | None = None) -> dict:
    if not 0 < rate <= 80:
        raise CampaignError("rate must be between 0 and 80 messages per second")
    rules = runtime.negotiation_rules
    settings = runtime.settings
    start = clock.now()
    wake: dict[int, object] = {}
    counts = {"queued": 0, "skipped": 0}
    with transaction(runtime.sessions) as s:
        registry = runtime.registry.bind(s)
        people = [p for p in registry.delinquents(min_days=1) if p.phones][: limit or None]
        campaign = Campaign(kind="negotiation", rate_per_second=Decimal(str(rate)),
                            started_by=started_by[:120], created_at=start)
        s.add(campaign)
        s.flush()
        for index, person in enumerate(people):
            phone = person.phones[0]
            conversation = _conversation(s, phone, person.ref)
            send_at = start + timedelta(seconds=index / rate)
            body = render("negotiation/campaign", name=person.first_name, rules=rules)
            row = outbox.enqueue_business_initiated(
                s, conversation, body, content_sid=settings.content_negotiation_sid or None,
                variables={"1": person.first_name, "2": rules.operator_name}, not_before=send_at)
            status = "skipped" if row.status == "skipped" else "queued"
            counts[status] += 1
            s.add(CampaignTarget(campaign_id=campaign.id, beneficiary_ref=person.ref, phone=phone,
                                 outbound_id=row.id, send_at=send_at, status=status))
            if status == "queued":
                wake.setdefault(conversation.id, send_at)
        campaign_id = campaign.id
    for conversation_id, send_at in wake.items():
        queueing.deliver_at(runtime, conversation_id, send_at)
    return {"campaign": campaign_id, **counts}


def _conversation(s, phone: str, beneficiary_ref: str) -> Conversation:
    """The person's WhatsApp conversation under either spelling of a Brazilian mobile (the
    registry keeps 13 digits; WhatsApp may deliver the account without the ninth digit):
    the one they last wrote from, so the invitation and its answer meet in one place.
    Locked: a turn of that conversation may be running right now."""
    conversation = s.scalars(
        select(Conversation)
        .where(Conversation.channel == "whatsapp", Conversation.address.in_(phones.variants(phone)))
        .order_by(Conversation.last_inbound_at.desc().nulls_last(), Conversation.id)
        .limit(1).with_for_update()).first()
    if conversation is None:
        conversation = Conversation(channel="whatsapp", address=phone, data={},
                                    beneficiary_ref=beneficiary_ref, created_at=clock.now())
        s.add(conversation)
        s.flush()
    return conversation


# -- right before an invitation goes out (bot.jobs._deliver_one) ---------------------------
@dataclass(frozen=True)
class Verdict:
    skip: bool = False  # recorded as skipped, with the reason: never sent
    hold: datetime | None = None  # paced: come back at this moment


SEND = Verdict()


def before_sending(rt, session, row: OutboundMessage) -> Verdict:
    """For a campaign invitation: skip it if the person got there first, hold it until
    its pace slot, or let it go and make the conversation wait for its answer — all in the
    delivery's transaction, with the conversation locked, so a turn of the same
    conversation sees either no invitation at all or one whose answer it expects. Any
    other message goes out untouched."""
    target = session.scalars(select(CampaignTarget).where(
        CampaignTarget.outbound_id == row.id).with_for_update()).first()
    if target is None:
        return SEND
    if row.attempts:
        # Judged at its first attempt (and the conversation set then): a retry after a
        # provider error only needs its pace slot.
        hold = pacing.hold_until(rt, session, row)
        return SEND if hold is None else Verdict(hold=hold)
    conversation = session.get(Conversation, row.conversation_id, with_for_update=True)
    reason = _reason_to_skip(rt, session, conversation, row)
    if reason is not None:
        _skip(row, target, reason)
        return Verdict(skip=True)
    hold = pacing.hold_until(rt, session, row)
    if hold is not None:
        return Verdict(hold=hold)
    conversation.flow, conversation.state, conversation.data = "negociacao", "campaign_reply", {}
    conversation.last_activity_at = clock.now()  # the answer belongs to a fresh session
    return SEND


def _reason_to_skip(rt, session, conversation: Conversation, row: OutboundMessage) -> str | None:
    from bot import engine

    if conversation.handoff is not None:
        return "conversa com o atendimento humano"
    if _wrote_since(session, conversation, row.created_at):
        return "o beneficiário escreveu antes de o convite sair"
    # Busy or not is the engine's own rule (`engine.session_left`), so the invitation and
    # the person's next message agree on whether the last session is over.
    now = clock.now()
    if not engine.session_left(conversation, rt.settings, now):
        if conversation.state == "campaign_reply":
            return "convite anterior aguardando resposta"
        if engine.is_idle(conversation, rt.settings, now):
            return "conversa aguardando outra resposta"  # kept open: a reminder's answer
        return "conversa em andamento"
    # The last session is over: closed exactly as the engine would close it (a journey's
    # protocol "expirado", the identity confirmation lapsed) — the invitation moves the
    # conversation's activity to now, which must not revive a confirmation from hours ago.
    engine.expire_idle_session(engine.Turn(session, rt, conversation, engine.Message(text="")), now)
    return None


def _wrote_since(session, conversation: Conversation, moment: datetime) -> bool:
    """Any message from the person (either phone spelling) since the invitation was
    queued, or still waiting to be processed."""
    keys = [f"{conversation.channel}:{address}" for address in phones.variants(conversation.address)]
    return session.scalars(select(InboundMessage.id).where(
        InboundMessage.conversation_key.in_(keys),
        or_(InboundMessage.received_at >= moment, InboundMessage.status == "received")).limit(1)).first() is not None


def _skip(row: OutboundMessage, target: CampaignTarget, reason: str) -> None:
    row.status = "skipped"
    row.error_code = "campaign_skip"
    row.error_message = reason
    row.status_updated_at = clock.now()
    target.status = "skipped"
    log.info("campaign invitation %s skipped: %s", row.id, reason)

