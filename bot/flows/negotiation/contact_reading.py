"""E-mail addresses and phone numbers as people type or dictate them."""
from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.language import phones


def typed_email(text: str) -> str:
    """An e-mail as people type or dictate it: "fulano arroba gmail ponto com", a comma
    for a dot in the domain ("gmail,com"). Read as meant; it is spelled back to confirm."""
    text = text or ""
    if re.search(r"(?i)\barroba\b", text):
        text = re.sub(r"(?i)\s*\barroba\b\s*", "@", text)
        text = re.sub(r"(?i)(?<=\S)\s+ponto\s+(?=\S)", ".", text)
    while True:
        fixed = re.sub(r"(@[\w.-]+),(?=(?:com|net|org|br|edu|gov|info|biz|io)\b)", r"\1.", text, flags=re.I)
        if fixed == text:
            return text
        text = fixed


def email_attempt(text: str) -> bool:
    """Something the person meant as an e-mail address, valid or not."""
    return bool(re.search(r"\S@\S", typed_email(text)))


def email_in(text: str) -> str | None:
    match = re.search(r"[^\s,;<>]+@[^\s,;<>]+", typed_email(text))
    if not match:
        return None
    try:
        return validate_email(match.group(0).rstrip("."), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def phone_in(text: str) -> str | None:
    """A Brazilian phone number with area code in the text, as E.164 in its current
    spelling; None if there is none. "Possible", not "valid": libphonenumber calls the old
    eight-digit mobile spelling invalid, yet WhatsApp still delivers many accounts on it."""
    for match in phonenumbers.PhoneNumberMatcher(text or "", "BR", leniency=phonenumbers.Leniency.POSSIBLE):
        if len(str(match.number.national_number)) in (10, 11):
            return phones.canonical(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return None


def readable_phone(address: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(address, None),
                                          phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return address
