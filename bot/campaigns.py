"""Outbound negotiation campaign to delinquent beneficiaries, paced.

Each target's message gets its own `not_before` (start + i / rate, exact to the
microsecond) and a delivery job scheduled for that moment. That spreads the work; the
guarantee comes from `bot.pacing`: right before sending, every campaign message takes a
slot of the sender number's shared limit, so a backlog, a sweeper burst or two campaigns
at once still never exceed the rate. Outside the 24 h window WhatsApp requires an approved
template (TWILIO_CONTENT_NEGOTIATION_SID); without one the targets are recorded as
skipped, never sent as free text. The template is neutral (no amounts, no debt): whoever
holds the phone has not proved who they are yet.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import clock, outbox, queueing
from bot.templates import render
from storage.db import transaction
from storage.models import Campaign, CampaignTarget, Conversation


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
            body = render("negotiation/campaign", name=person.first_name,
                          operator=rules.operator_name)
            row = outbox.enqueue_business_initiated(
                s, conversation, body, content_sid=settings.content_negotiation_sid or None,
                variables={"1": person.first_name, "2": rules.operator_name}, not_before=send_at)
            status = "skipped" if row.status == "skipped" else "queued"
            counts[status] += 1
            s.add(CampaignTarget(campaign_id=campaign.id, beneficiary_ref=person.ref, phone=phone,
                                 outbound_id=row.id, send_at=send_at, status=status))
            if status == "queued":
                wake.setdefault(conversation.id, send_at)
                if conversation.flow is None and conversation.handoff is None:
                    conversation.flow, conversation.state = "negociacao", "campaign_reply"
                    conversation.data = {}
                    conversation.last_activity_at = send_at
        campaign_id = campaign.id
    for conversation_id, send_at in wake.items():
        queueing.deliver_at(runtime, conversation_id, send_at)
    return {"campaign": campaign_id, **counts}


def _conversation(s, phone: str, beneficiary_ref: str) -> Conversation:
    conversation = s.scalars(select(Conversation).where(
        Conversation.channel == "whatsapp", Conversation.address == phone)).first()
    if conversation is None:
        conversation = Conversation(channel="whatsapp", address=phone, data={},
                                    beneficiary_ref=beneficiary_ref, created_at=clock.now())
        s.add(conversation)
        s.flush()
    return conversation
