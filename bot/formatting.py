"""Brazilian formatting: money as 'R$ 1.234,56', dates as dd/mm/aaaa, masked CPF."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

LOCALE = "pt_BR"


def money(value: Decimal | int | float | str) -> str:
    # Babel puts a non-breaking space after R$; WhatsApp shows it fine but tests and
    # people copying the value expect a plain space.
    return format_currency(Decimal(str(value)), "BRL", locale=LOCALE).replace("\xa0", " ")


def brdate(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


def brtime(value: datetime) -> str:
    return value.strftime("%H:%M")


def month_year(value: date) -> str:
    """Competência as people say it: 'outubro/2025'."""
    return format_date(value, "MMMM/yyyy", locale=LOCALE)


def weekday(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "EEEE", locale=LOCALE)


def mask_cpf(cpf: str | None) -> str:
    """Only the first three and last two digits survive: '123.***.***-09'."""
    from bot.text import digits

    d = digits(cpf)
    if len(d) != 11:
        return "***"
    return f"{d[:3]}.***.***-{d[9:]}"
