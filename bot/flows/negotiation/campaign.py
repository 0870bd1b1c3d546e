"""Outbound negotiation campaign to delinquent beneficiaries, paced.

Each target's message gets its own `not_before` (start + i / rate, exact to the
microsecond) and a delivery job scheduled for that moment. That spreads the work; the
guarantee comes from `bot.services.outreach.pacing`: right before sending, every campaign message takes a
slot of the sender number's shared limit, so a backlog, a sweeper burst or two campaigns
at once still keep to the rate (the exact guarantee is in bot/pacing.py). Outside the 24 h window WhatsApp requires an approved
template (TWILIO_CONTENT_NEGOTIATION_SID); without one the targets are recorded as
skipped, never sent as free text. The template is neutral (no amounts, no debt): whoever
holds the phone has not proved who they are yet.

The conversation waits for the invitation's answer only from the moment the invitation
actually goes out (bot.pipeline.invitations, right before the provider): an invitation
still waiting for its slot when the person writes, or whose conversation is busy (a
journey running, a human attending), is skipped with the reason instead of landing in the
middle of what the person is doing.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from bot.flows.negotiation.rules import of as rules_of
from bot.language.templates import render
from bot.platform import clock, queueing
from bot.services import outbox
from bot.services.outreach.conversations import whatsapp_conversation
from storage.db import transaction
from storage.models import Campaign, CampaignTarget

log = logging.getLogger(__name__)


class CampaignError(ValueError):
    pass


def start_negotiation_campaign(runtime, *, rate: float, started_by: str,
                               limit: int | None = None) -> dict:
    if not 0 < rate <= 80:
        raise CampaignError("rate must be between 0 and 80 messages per second")
    rules = rules_of(runtime)
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
            conversation = whatsapp_conversation(s, phone, person.ref)
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
