"""The 2ª via's copy by e-mail: right after the bill (on WhatsApp or chat), a beneficiary
with an address on file is offered the PDF by e-mail; "sim" or "por e-mail" sends it there
(never to an address typed in the chat: only the registered one)."""
from __future__ import annotations

import re

from bot.engine import Turn
from bot.language import intents
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import queueing
from bot.services import email_delivery, protocols

EMAIL_WORDS = re.compile(r"\b(?:e-?mail|email|por e-?mail|no e-?mail|manda(?:r)? por e-?mail)\b")


def offer(turn: Turn) -> str | None:
    """The address on file, masked, when the bill can also go by e-mail (not already in
    an e-mail conversation)."""
    if turn.conversation.channel == "email":
        return None
    address = turn.beneficiary.email if turn.beneficiary else None
    return email_delivery.masked(address) if address else None


def wanted(turn: Turn) -> bool:
    if not turn.data.get("email_copy"):
        return False
    norm = normalize(turn.text).strip(" .!")
    return bool(EMAIL_WORDS.search(norm)) or (
        turn.conversation.state == "email_copy" and intents.yes_no(turn.text) is True)


def send(turn: Turn) -> None:
    address = turn.beneficiary.email
    row = email_delivery.send_documents(
        turn.session, address, turn.conversation.beneficiary_ref,
        subject=render("boleto/email_subject"), body=render("boleto/email_body",
                                                             count=len(turn.data["email_copy"])),
        media=turn.data["email_copy"])
    runtime, conversation_id = turn.runtime, row.conversation_id
    turn.defer(lambda: queueing.deliver_later(runtime, conversation_id))
    turn.say("boleto/email_sent", address=email_delivery.masked(address))
    number = turn.data.get("closed_protocol") or turn.data.get("protocol")
    protocol = protocols.by_number(turn.session, number) if number else None
    if protocol is not None:
        protocols.set_status(protocol, protocol.status, "cópia enviada por e-mail")
    turn.end()
