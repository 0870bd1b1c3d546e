"""Phone numbers as the registry and WhatsApp spell them.

Since 2016 every Brazilian mobile has nine digits: a 9 was put in front of the old
eight-digit numbers (which began with 6, 7, 8 or 9). WhatsApp accounts created before
that are often still delivered WITHOUT the ninth digit (+55 67 9999-0001, 12 digits),
while the plan's registry holds the current number (+55 67 99999-0001, 13 digits) — or
the other way round. Both spellings reach the same person, so lookups try both.
Landlines (eight digits beginning with 2–5) have a single spelling.
"""
from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "BR"  # numbers typed without +55 are Brazilian
_BRAZIL = 55
_OLD_MOBILE_FIRST_DIGITS = "6789"  # eight-digit mobiles that received the ninth digit


class InvalidPhone(ValueError):
    pass


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """'(67) 99999-0001', '67999990001', '+55 67 99999-0001' -> '+5567999990001'."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical(phone: str) -> str:
    """The current (13-digit) spelling of a Brazilian mobile; anything else unchanged."""
    with_nine = _with_ninth_digit(phone)
    return with_nine or phone


def variants(phone: str) -> tuple[str, ...]:
    """Every spelling that reaches the same line, the given one first (E.164 input)."""
    other = _with_ninth_digit(phone) or _without_ninth_digit(phone)
    return (phone, other) if other else (phone,)


def _split_brazilian(phone: str) -> tuple[str, str] | None:
    """(area code, subscriber number) of a Brazilian E.164 number, else None."""
    prefix = f"+{_BRAZIL}"
    if not phone.startswith(prefix) or not phone[1:].isdigit():
        return None
    national = phone[len(prefix):]
    if len(national) not in (10, 11):
        return None
    return national[:2], national[2:]


def _with_ninth_digit(phone: str) -> str | None:
    parts = _split_brazilian(phone)
    if parts is None:
        return None
    area, subscriber = parts
    if len(subscriber) == 8 and subscriber[0] in _OLD_MOBILE_FIRST_DIGITS:
        return f"+{_BRAZIL}{area}9{subscriber}"
    return None


def _without_ninth_digit(phone: str) -> str | None:
    parts = _split_brazilian(phone)
    if parts is None:
        return None
    area, subscriber = parts
    if len(subscriber) == 9 and subscriber[0] == "9" and subscriber[1] in _OLD_MOBILE_FIRST_DIGITS:
        return f"+{_BRAZIL}{area}{subscriber[1:]}"
    return None
