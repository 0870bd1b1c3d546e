"""Reading the new values a person types, with well-kept libraries where there are some:
e-mail (email-validator), phone (phonenumbers); CEP, address parts, names and dates by
plain rules. Each returns the normalised value or raises InvalidValue(reason code)."""
from __future__ import annotations

import re
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.language.text import normalize


class InvalidValue(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_CEP = re.compile(r"^\D*(\d{5})\D?(\d{3})\D*$")
_UF = {"AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
       "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO"}
_CITY_UF = re.compile(r"^(.+?)\s*[/\-–,]\s*([A-Za-z]{2})$")
_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ' ]+$")
_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
MARITAL = ("solteiro(a)", "casado(a)", "divorciado(a)", "viúvo(a)", "união estável")


def cep(text: str) -> str:
    match = _CEP.match((text or "").strip())
    if not match:
        raise InvalidValue("cep")
    return f"{match.group(1)}-{match.group(2)}"


def address(text: str) -> dict:
    """'Rua das Flores, 123, apto 4, Centro, Campo Grande/MS': street, number, optional
    complement, district, city/UF."""
    parts = [p.strip() for p in re.split(r"\s*[,;\n]\s*|\s+-\s+", text or "") if p.strip()]
    if len(parts) < 4:
        raise InvalidValue("address_parts")
    city_uf = _CITY_UF.match(parts[-1])
    if not city_uf or city_uf.group(2).upper() not in _UF:
        # "Campo Grande, MS" split in two parts
        if len(parts) >= 5 and parts[-1].upper() in _UF:
            city, uf = parts[-2], parts[-1].upper()
            parts = parts[:-2]
        else:
            raise InvalidValue("address_city")
    else:
        city, uf = city_uf.group(1).strip(), city_uf.group(2).upper()
        parts = parts[:-1]
    street, number, *middle = parts
    if not re.fullmatch(r"(?:\d+[A-Za-z]?|s/?n)", number.replace("nº", "").replace("n°", "").strip(), re.I):
        raise InvalidValue("address_number")
    if not middle:
        raise InvalidValue("address_parts")
    district = middle[-1]
    complement = ", ".join(middle[:-1]) or None
    return {"street": street, "number": number.replace("nº", "").strip(), "complement": complement,
            "district": district, "city": city, "state": uf}


def phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text or "", "BR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue("phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(text: str) -> str:
    try:
        return validate_email((text or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue("email") from exc


def name(text: str) -> str:
    value = " ".join((text or "").split())
    if not _NAME.match(value) or len(value.split()) < 2 or not 5 <= len(value) <= 160:
        raise InvalidValue("name")
    return value


def marital_status(text: str) -> str:
    norm = normalize(text)
    if norm.isdigit() and 1 <= int(norm) <= len(MARITAL):
        return MARITAL[int(norm) - 1]
    for option in MARITAL:
        stem = normalize(option).split("(")[0].strip()[:6]
        if stem and stem in norm:
            return option
    raise InvalidValue("marital_status")


def event_date(text: str, today: date) -> date:
    match = _DATE.match(text or "")
    if not match:
        raise InvalidValue("date")
    try:
        day = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError as exc:
        raise InvalidValue("date") from exc
    if day > today or day.year < 1900:
        raise InvalidValue("date")
    return day


def mask_phone(value: str) -> str:
    """'+5567999990001' -> '(67) 99999-0001'."""
    number = phonenumbers.parse(value, "BR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
