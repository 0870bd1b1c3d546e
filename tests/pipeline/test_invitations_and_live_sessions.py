"""A campaign invitation judges "busy or not" by the engine's own session rule
(`engine.session_left`): at exactly SESSION_IDLE_MINUTES the last session is over and is
closed as the engine would close it; a second earlier it is still the person's; a state
kept open for a reminder's answer is never taken over."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import CampaignTarget, Conversation, OutboundMessage, Protocol
from tests.conftest import MARIA, drain
from tests.scheduling_support import (
    appointments,
    book,
    conversation_state,
    send_reminder_inside_window,
)

TEMPLATE = "HXnegotiate"


def _invite_maria(rt) -> CampaignTarget:
    """A campaign reaching only the first delinquent, Maria; its delivery runs now."""
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    rt.settings = replace(rt.settings, content_negotiation_sid=TEMPLATE)
    result = start_negotiation_campaign(rt, rate=5, started_by="test", limit=1)
    drain(rt)
    with transaction(rt.sessions) as s:
        target = s.scalars(select(CampaignTarget).where(
            CampaignTarget.campaign_id == result["campaign"])).one()
        assert target.phone == MARIA
        s.expunge(target)
        return target


def _skip_reason(rt, target) -> str | None:
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, target.outbound_id)
        return row.error_message if row.status == "skipped" else None


def _conversation(rt) -> Conversation:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        s.expunge(c)
        return c


def _idle_limit(rt):
    return timedelta(minutes=rt.settings.session_idle_minutes)


def _sent_to_maria(twilio) -> int:
    return len([m for m in twilio.created if m["To"] == f"whatsapp:{MARIA}"])


def test_a_journey_is_busy_until_exactly_the_idle_limit_then_expired_for_the_invitation(wa, rt, twilio):
    wa.say(MARIA, "2a via")  # the boleto journey, asking for the CPF digits
    last = _conversation(rt).last_activity_at
    sent = _sent_to_maria(twilio)

    clock.freeze(last + _idle_limit(rt) - timedelta(seconds=1))
    target = _invite_maria(rt)
    assert _skip_reason(rt, target) == "conversa em andamento"
    assert _sent_to_maria(twilio) == sent
    assert _conversation(rt).state == "identity_cpf3"

    clock.freeze(last + _idle_limit(rt))  # what the engine calls idle: the session is over
    target = _invite_maria(rt)
    assert _skip_reason(rt, target) is None and _sent_to_maria(twilio) == sent + 1
    assert _conversation(rt).state == "campaign_reply"
    with transaction(rt.sessions) as s:
        boleto = s.scalars(select(Protocol).where(Protocol.journey == "segunda_via")).one()
        assert boleto.status == "expirado"  # closed as the engine closes an idle journey


def test_an_invitation_after_an_idle_session_asks_for_identity_again(wa, rt, twilio):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")  # identity confirmed
    wa.say(MARIA, "sair")  # no journey left, the confirmation still on the conversation
    conversation = _conversation(rt)
    assert conversation.flow is None and conversation.identity_verified_at is not None

    clock.freeze(conversation.last_activity_at + _idle_limit(rt))
    target = _invite_maria(rt)
    assert _skip_reason(rt, target) is None
    # The invitation makes the conversation active again; a confirmation made a session
    # ago must not come back with it: whoever answers "sim" proves who they are first.
    assert _conversation(rt).identity_verified_at is None
    [reply] = wa.say(MARIA, "sim")
    assert "3 primeiros dígitos" in reply and "R$" not in reply


def test_a_reminder_kept_open_past_the_idle_limit_is_not_taken_over(wa, rt, twilio):
    book(wa)
    [appointment] = appointments(rt)
    send_reminder_inside_window(rt, appointment)
    assert conversation_state(rt)[:2] == ("minhas_consultas", "reminder_reply")
    clock.freeze(_conversation(rt).last_activity_at + _idle_limit(rt) * 3)  # idle, kept open

    target = _invite_maria(rt)
    assert _skip_reason(rt, target) == "conversa aguardando outra resposta"
    assert conversation_state(rt)[:2] == ("minhas_consultas", "reminder_reply")
    [reply] = wa.say(MARIA, "sim")
    assert "confirmada" in reply.lower()
