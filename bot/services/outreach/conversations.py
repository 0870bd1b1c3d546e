"""The conversation an outbound message to a person belongs to."""
from __future__ import annotations

from sqlalchemy import select

from bot.language import phones
from bot.platform import clock
from storage.models import Conversation


def whatsapp_conversation(s, phone: str, beneficiary_ref: str | None) -> Conversation:
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
