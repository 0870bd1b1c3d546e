"""Campaign invitations: phone spellings, skipped when the person wrote first, the reply state, retries."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.pipeline import sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import CampaignTarget, Conversation, OutboundMessage
from tests.conftest import JOSE, MARIA, drain

MARIA_12 = "+556799990001"  # Maria's WhatsApp account without the ninth digit


TEMPLATE = "HXnegotiate"


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _invitations(twilio, phone=None):
    return [m for m in twilio.created if m.get("ContentSid") == TEMPLATE
            and (phone is None or m["To"] == f"whatsapp:{phone}")]


def _campaign(rt, rate):
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    rt.settings = replace(rt.settings, content_negotiation_sid=TEMPLATE)
    return start_negotiation_campaign(rt, rate=rate, started_by="test")


def _send_all_invitations(rt, seconds=3):
    """Let the paced invitations go out: the clock moves on, the sweeper wakes them."""
    for _ in range(seconds * 2):
        clock.freeze(clock.now() + timedelta(milliseconds=500))
        sweep.sweep(reschedule=False)
        drain(rt)


# -- 1: the campaign finds the conversation on either spelling of the phone ---------------------
def test_campaign_reaches_the_conversation_on_the_twelve_digit_spelling(wa, rt, twilio):
    assert "Maria" in wa.say(MARIA_12, "oi")[0]  # WhatsApp delivers her account without the 9
    clock.freeze(clock.now() + timedelta(days=2))  # outside the 24 h window: the template
    _campaign(rt, rate=5)
    drain(rt)
    assert len(_invitations(twilio, MARIA_12)) == 1 and not _invitations(twilio, MARIA)
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Conversation).where(Conversation.address == MARIA)).first() is None
    reply = wa.say(MARIA_12, "sim")[0]
    assert "conversa fica registrada" in reply and "3 primeiros dígitos" in reply


# -- 3: the person writes before the paced invitation goes out ----------------------------------
def test_a_message_before_the_paced_invitation_skips_it(wa, rt, twilio):
    _campaign(rt, rate=0.5)  # one invitation every 2 s
    with transaction(rt.sessions) as s:
        targets = list(s.scalars(select(CampaignTarget).order_by(CampaignTarget.send_at)))
        later = next(t for t in targets if t.send_at > clock.now())
        phone = s.get(OutboundMessage, later.outbound_id).recipient
    # Not waiting for the invitation's answer before the invitation exists.
    assert _conversation(rt, phone).state is None
    listing = wa.say(phone, "2a via")  # the person writes first, for something else
    assert "3 primeiros dígitos" in listing[0]
    clock.freeze(clock.now() + timedelta(seconds=10))
    sweep.sweep(reschedule=False)
    drain(rt)
    assert _invitations(twilio, phone) == []  # never lands in the middle of the identity check
    assert _conversation(rt, phone).state == "identity_cpf3"
    with transaction(rt.sessions) as s:
        target = s.get(CampaignTarget, later.id)
        row = s.get(OutboundMessage, later.outbound_id)
        assert target.status == "skipped" and row.status == "skipped"
        assert row.error_message == "o beneficiário escreveu antes de o convite sair"
    sent = [m["To"] for m in _invitations(twilio)]
    assert len(sent) == 2 and f"whatsapp:{phone}" not in sent  # the others were invited


def test_the_invitation_sets_the_reply_state_when_it_goes_out(wa, rt, twilio):
    _campaign(rt, rate=5)
    assert _conversation(rt, JOSE).state is None
    _send_all_invitations(rt)
    assert _invitations(twilio, JOSE)
    assert _conversation(rt, JOSE).state == "campaign_reply"
    assert "conversa fica registrada" in wa.say(JOSE, "sim")[0]


def test_no_to_the_invitation_is_thanked_without_naming_a_debt(wa, rt, twilio):
    _campaign(rt, rate=5)
    _send_all_invitations(rt)
    reply = wa.say(JOSE, "não")[0]
    assert "obrigado por responder" in reply and "débito" not in reply
    assert _conversation(rt, JOSE).flow is None


def test_an_invitation_retried_after_a_provider_error_is_sent_not_skipped(wa, rt, twilio):
    twilio.fail_next(429, 20429, "Too Many Requests")  # the first invitation, certainly not sent
    _campaign(rt, rate=5)
    _send_all_invitations(rt)
    assert len(_invitations(twilio)) == 3
    with transaction(rt.sessions) as s:
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.content_sid == TEMPLATE)))
        assert {r.status for r in rows} == {"sent"} and sorted(r.attempts for r in rows) == [1, 1, 2]

