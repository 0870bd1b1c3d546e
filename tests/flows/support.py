"""Helpers for the procedure, guide and dispute conversations."""
from __future__ import annotations

import re

from sqlalchemy import select

from storage.db import transaction
from storage.models import Protocol

PROTOCOL = re.compile(r"\*(123456\d{14})\*")
REQUEST_URL = "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1"


def media(url: str = REQUEST_URL, content_type: str = "image/jpeg") -> dict:
    return {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": content_type}


def protocol_in(replies: list[str]) -> str:
    for body in replies:
        found = PROTOCOL.search(body)
        if found:
            return found.group(1)
    raise AssertionError(f"no protocol in {replies}")


def protocol_row(rt, number: str) -> Protocol:
    with transaction(rt.sessions) as s:
        row = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        s.expunge(row)
        return row


def identified(wa, phone: str, first: str, cpf3: str = "116") -> list[str]:
    """Start a journey with `first` and confirm identity with the CPF's first digits."""
    replies = wa.say(phone, first)
    return replies + wa.say(phone, cpf3)
