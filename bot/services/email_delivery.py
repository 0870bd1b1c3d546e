"""Documents sent to a person's e-mail address (the 2ª via "por e-mail"): an outbox row on
that address's e-mail conversation, written in the caller's transaction, PDFs attached by
the e-mail sender (bot.channels.email.wiring renders each media item)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.platform import clock
from bot.services import outbox
from storage.models import Conversation, OutboundMessage


def email_conversation(session: Session, address: str,
                       beneficiary_ref: str | None) -> Conversation:
    address = address.strip().lower()
    conversation = session.scalars(select(Conversation).where(
        Conversation.channel == "email", Conversation.address == address)).first()
    if conversation is None:
        conversation = Conversation(channel="email", address=address, data={},
                                    beneficiary_ref=beneficiary_ref, created_at=clock.now())
        try:
            with session.begin_nested():
                session.add(conversation)
        except IntegrityError:  # created meanwhile by another worker
            conversation = session.scalars(select(Conversation).where(
                Conversation.channel == "email", Conversation.address == address)).one()
    return conversation


def send_documents(session: Session, address: str, beneficiary_ref: str | None, *,
                   subject: str, body: str, media: list[dict]) -> OutboundMessage:
    conversation = email_conversation(session, address, beneficiary_ref)
    rows = outbox.enqueue_text(session, conversation, body, media=media, subject=subject)
    return rows[-1]


def masked(address: str) -> str:
    """m•••@example.com.br: enough for the person to recognise it, not to learn it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"
