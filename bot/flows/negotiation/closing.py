"""Closing an accepted offer: the address (read back), then delivery (this WhatsApp
number or an e-mail spelled back); then `issuing.finish`."""
from __future__ import annotations

from bot.engine import Turn
from bot.flows.negotiation.contact_reading import email_attempt, email_in, phone_in, readable_phone
from bot.flows.negotiation.issuing import finish
from bot.flows.negotiation.language import (
    EMAIL,
    HERE,
    looks_like_address,
    moved,
    not_moved,
    without_lead_in,
)
from bot.flows.negotiation.offers import (
    pending_offer,
    requote,
    still_as_quoted,
)
from bot.language import phones
from bot.language.intents import after_yes_no, yes_no
from bot.language.text import normalize


# -- closing ------------------------------------------------------------------------------
def accepted(turn: Turn) -> None:
    if not still_as_quoted(turn, pending_offer(turn)):
        return requote(turn)
    if turn.data.get("delivery"):
        return finish(turn)  # a second agreement: address and delivery already settled
    turn.goto("address")
    turn.say("negotiation/confirm_address", address=turn.beneficiary.address)


def address(turn: Turn) -> None:
    answer = yes_no(turn.text)
    if answer is None and not_moved(turn.norm):
        answer = True  # "não mudei", "continua o mesmo"
    if answer is True:
        turn.remember(address_note=None)
        return _ask_delivery(turn)
    candidate = after_yes_no(turn.text) if answer is False else turn.text.strip()
    if looks_like_address(normalize(candidate)):
        return _read_back_address(turn, candidate)
    if answer is False or moved(turn.norm):  # "mudei sim", "moro em outro lugar agora"
        turn.goto("address_new")
        return turn.say("negotiation/ask_address")
    turn.retry("negotiation/address_again")


def address_new(turn: Turn) -> None:
    if looks_like_address(turn.norm):
        return _read_back_address(turn, turn.text.strip())
    turn.retry("negotiation/address_invalid")


def address_confirm(turn: Turn) -> None:
    answer = yes_no(turn.text)
    if answer is True:
        turn.remember(address_note=turn.data["address_candidate"])
        return _ask_delivery(turn)
    candidate = after_yes_no(turn.text) if answer is False else turn.text.strip()
    if looks_like_address(normalize(candidate)):
        return _read_back_address(turn, candidate)
    if answer is False:
        turn.goto("address_new")
        return turn.say("negotiation/ask_address")
    turn.retry("negotiation/address_confirm_again", address=turn.data["address_candidate"])


def _read_back_address(turn: Turn, text: str) -> None:
    # the backoffice updates the registry from it: no "não, moro na" before the street
    candidate = " ".join(without_lead_in(text).split())[:400]
    turn.remember(address_candidate=candidate)
    turn.goto("address_confirm")
    turn.say("negotiation/address_read_back", address=candidate)


def _ask_delivery(turn: Turn) -> None:
    turn.goto("delivery")
    turn.say("negotiation/ask_delivery", phone=readable_phone(turn.conversation.address),
             email=turn.beneficiary.email)


def delivery(turn: Turn) -> None:
    email = email_in(turn.text)
    if email:
        return _spell_back(turn, email)
    if email_attempt(turn.text):
        return turn.retry("negotiation/email_invalid")
    norm = turn.norm.strip(" .!")
    other = phone_in(turn.text)
    # The same line under either spelling (with or without the ninth digit) is "here".
    here = other is not None and other in phones.variants(turn.conversation.address)
    wants_email = norm == "2" or bool(EMAIL.search(norm))
    if norm == "1" or here or (other is None and not wants_email and HERE.search(norm)):
        if turn.conversation.channel not in ("whatsapp", "chat"):
            return turn.retry("negotiation/delivery_again")
        turn.remember(delivery="whatsapp", delivery_address=turn.conversation.address)
        return finish(turn)
    if other is not None:
        # WhatsApp only lets us write freely to the number in this conversation: the other
        # number is read back and noted for the registry update; the person picks again.
        turn.remember(phone_note=other)
        return turn.say("negotiation/other_phone", phone=readable_phone(other),
                        here=readable_phone(turn.conversation.address))
    if wants_email:
        known = turn.beneficiary.email
        if known:
            return _spell_back(turn, known)
        turn.goto("email")
        return turn.say("negotiation/ask_email")
    turn.retry("negotiation/delivery_again")


def email_state(turn: Turn) -> None:
    email = email_in(turn.text)
    if email is None:
        return turn.retry("negotiation/email_invalid")
    _spell_back(turn, email)


def email_confirm(turn: Turn) -> None:
    email = email_in(turn.text)
    if email:
        return _spell_back(turn, email)
    if email_attempt(turn.text):
        return turn.retry("negotiation/email_invalid")
    answer = yes_no(turn.text)
    if answer is True:
        turn.remember(delivery="email", delivery_address=turn.data["email_candidate"])
        return finish(turn)
    if answer is False:
        turn.goto("email")
        return turn.say("negotiation/ask_email")
    turn.retry("negotiation/email_confirm_again")


def _spell_back(turn: Turn, email: str) -> None:
    turn.remember(email_candidate=email)
    turn.goto("email_confirm")
    turn.say("negotiation/spell_email", email=email, letters=" ".join(email))
