"""What the console shows of personal data until someone clicks "revelar" (audited).

A CPF shows only its last four digits (***.***.*89-09) wherever it appears: the
registration card and every CPF-looking number people typed in the transcript (the same
pattern the logs mask, bot.platform.logs.CPF_PATTERN).
"""
from __future__ import annotations

from datetime import date

from bot.language.formatting import brdate, phone
from bot.language.text import digits
from bot.platform.logs import CPF_PATTERN

REVEALABLE = {"cpf": "CPF", "birth_date": "data de nascimento", "card_number": "carteirinha"}


def mask_cpf(cpf: str | None) -> str:
    d = digits(cpf or "")
    if len(d) != 11:
        return "***.***.***-**"
    return f"***.***.*{d[7:9]}-{d[9:]}"


def mask_cpfs_in(text: str) -> str:
    return CPF_PATTERN.sub(lambda m: f"***.***.*{m.group(3)[1:]}-{m.group(4)}", text or "")


def mask_birth_date(value: date | None) -> str:
    return "**/**/****" if value else "—"


def mask_card(number: str | None) -> str:
    number = (number or "").strip()
    if len(number) <= 4:
        return "****"
    return "•" * (len(number) - 4) + number[-4:]


def mask_address(address: str) -> str:
    """Phones are how the team calls back: shown formatted, not hidden."""
    return phone(address) if address.startswith("+") else address


def revealed(field: str, beneficiary) -> str:
    if field == "cpf":
        d = digits(beneficiary.cpf)
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}" if len(d) == 11 else beneficiary.cpf
    if field == "birth_date":  # None: a new holder a troca registered without it
        return brdate(beneficiary.birth_date) if beneficiary.birth_date else "—"
    return beneficiary.card_number


def masked(field: str, beneficiary) -> str:
    if field == "cpf":
        return mask_cpf(beneficiary.cpf)
    if field == "birth_date":
        return mask_birth_date(beneficiary.birth_date)
    return mask_card(beneficiary.card_number)
