"""Brazilian formatting: money as 'R$ 1.234,56', dates as dd/mm/aaaa, phones as
'(67) 99999-0001', masked CPF."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import phonenumbers
from babel.dates import format_date
from babel.numbers import format_currency

from bot.language.phones import canonical  # an old 8-digit mobile is shown with its ninth digit
from bot.language.text import digits

LOCALE = "pt_BR"


def money(value: Decimal | int | float | str) -> str:
    # Babel puts a non-breaking space after R$; WhatsApp shows it fine but tests and
    # people copying the value expect a plain space.
    return format_currency(Decimal(str(value)), "BRL", locale=LOCALE).replace("\xa0", " ")


def brdate(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


def phone(value: str) -> str:
    """A stored E.164 phone as people write it: '+5567999990001' -> '(67) 99999-0001';
    a foreign number keeps its international form, anything unparsable is shown as is."""
    try:
        number = phonenumbers.parse(canonical(value), "BR")
    except phonenumbers.NumberParseException:
        return value
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 55
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


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
    d = digits(cpf)
    if len(d) != 11:
        return "***"
    return f"{d[:3]}.***.***-{d[9:]}"


def format_linha(linha: str) -> str:
    """A boleto's 47-digit linha digitável in the groups printed on the bill."""
    d = digits(linha)
    return f"{d[:5]}.{d[5:10]} {d[10:15]}.{d[15:21]} {d[21:26]}.{d[26:32]} {d[32]} {d[33:]}"
