"""Right before a campaign invitation goes out: skip it if the person got there first,
hold it until its pace slot, or let it go and make the conversation wait for its answer
in the campaign's journey (the journey's own entry point, `Flow.invite`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from bot import engine
from bot.language import phones
from bot.platform import clock
from bot.services.outreach import pacing
from storage.models import Campaign, CampaignTarget, Conversation, InboundMessage, OutboundMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    skip: bool = False  # recorded as skipped, with the reason: never sent
    hold: datetime | None = None  # paced: come back at this moment
    campaign: bool = False  # a campaign invitation (paced behind replies to people)


SEND = Verdict()


def before_sending(rt, session, row: OutboundMessage) -> Verdict:
    """For a campaign invitation: skip it if the person got there first, hold it until
    its pace slot, or let it go and make the conversation wait for its answer — all in the
    delivery's transaction, with the conversation locked, so a turn of the same
    conversation sees either no invitation at all or one whose answer it expects. Any
    other message goes out untouched."""
    if row.author != "system":
        return SEND  # a reply in a conversation: invitations are business-initiated rows
    target = session.scalars(select(CampaignTarget).where(
        CampaignTarget.outbound_id == row.id).with_for_update()).first()
    if target is None:
        return SEND
    if row.attempts:
        # Judged at its first attempt (and the conversation set then): a retry after a
        # provider error only needs its pace slot.
        return Verdict(hold=_paced(rt, session, row), campaign=True)
    conversation = session.get(Conversation, row.conversation_id, with_for_update=True)
    campaign = session.get(Campaign, target.campaign_id)
    journey = rt.journeys.for_campaign(campaign.kind)
    reason = ("nenhuma jornada responde a esta campanha" if journey is None
              else _reason_to_skip(rt, session, conversation, row, journey))
    if reason is not None:
        _skip(row, target, reason)
        return Verdict(skip=True, campaign=True)
    hold = _paced(rt, session, row)
    if hold is not None:
        return Verdict(hold=hold, campaign=True)
    journey.invite(conversation)
    conversation.last_activity_at = clock.now()  # the answer belongs to a fresh session
    return Verdict(campaign=True)


def _paced(rt, session, row: OutboundMessage) -> datetime | None:
    """First the sender's own limit (a campaign only takes what replies leave free right
    now, bot.services.outreach.pacing.sender_wait), then the campaign's pace."""
    if row.channel == "whatsapp":
        wait = pacing.sender_wait(rt.redis, pacing.sender_key(rt, row.channel),
                                  rt.settings.whatsapp_max_per_second, urgent=False)
        if wait is not None:
            return clock.now() + wait
    return pacing.hold_until(rt, session, row)


def _reason_to_skip(rt, session, conversation: Conversation, row: OutboundMessage,
                    journey) -> str | None:
    if conversation.handoff is not None:
        return "conversa com o atendimento humano"
    if _wrote_since(session, conversation, row.created_at):
        return "o beneficiário escreveu antes de o convite sair"
    # Busy or not is the engine's own rule (`engine.session_left`), so the invitation and
    # the person's next message agree on whether the last session is over.
    now = clock.now()
    if not engine.session_left(conversation, rt.settings, now):
        if journey.awaits_invitation_answer(conversation):
            return "convite anterior aguardando resposta"
        if engine.is_idle(conversation, rt.settings, now):
            return "conversa aguardando outra resposta"  # kept open: a reminder's answer
        return "conversa em andamento"
    # The last session is over: closed exactly as the engine would close it (a journey's
    # protocol "expirado", the identity confirmation lapsed) — the invitation moves the
    # conversation's activity to now, which must not revive a confirmation from hours ago.
    engine.close_idle_session(session, rt, conversation, now)
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

