"""Loads the embedded operator registry from a JSON file (format in README.md).

Dates may be absolute ("2026-03-05") or relative to today ("today", "today+5",
"today-40"; competências as "month-2" = first day of the month two months ago), so the
demo data never goes stale.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.language import phones
from bot.platform import clock
from bot.platform.calendar import is_holiday
from storage.models import (
    Beneficiary,
    BeneficiaryPhone,
    BillItem,
    Coverage,
    FinancialTitle,
    Guide,
    IssuedBill,
    Provider,
    Slot,
)
from storage.network_loader import load_network

_RELATIVE_DAY = re.compile(r"^today([+-]\d+)?$")
_RELATIVE_MONTH = re.compile(r"^month([+-]\d+)?$")


class RegistryFileError(ValueError):
    pass


def parse_day(value: str, today: date) -> date:
    if m := _RELATIVE_DAY.match(value):
        return today + timedelta(days=int(m.group(1) or 0))
    if m := _RELATIVE_MONTH.match(value):
        months = today.year * 12 + today.month - 1 + int(m.group(1) or 0)
        return date(months // 12, months % 12 + 1, 1)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RegistryFileError(f"invalid date {value!r}") from exc


def load_file(session: Session, path: Path, today: date | None = None, replace: bool = True) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RegistryFileError(f"{path}: {exc}") from exc
    return load(session, data, today or clock.today(), replace=replace)


def load(session: Session, data: dict, today: date, replace: bool = True) -> dict:
    from validate_docbr import CPF

    if replace:
        for model in (Slot, Provider, Guide, IssuedBill, BillItem, Coverage, FinancialTitle,
                      BeneficiaryPhone, Beneficiary):
            session.execute(delete(model))
    cpf = CPF()
    people: dict[str, Beneficiary] = {}
    for item in data.get("beneficiaries", []):
        if not cpf.validate(item["cpf"]):
            raise RegistryFileError(f"beneficiary {item['ref']}: invalid CPF check digits")
        b = Beneficiary(
            ref=item["ref"], name=item["name"], cpf=item["cpf"],
            birth_date=parse_day(item["birth_date"], today), phones=_phones(item),
            email=item.get("email"), address=item.get("address", {}), plan=item["plan"],
            card_number=item["card_number"], holder_ref=item.get("holder_ref"),
        )
        session.add(b)
        people[b.ref] = b
    session.flush()
    for b in people.values():
        for phone in b.phones:
            session.add(BeneficiaryPhone(phone=phone, beneficiary_id=b.id))
    for item in data.get("titles", []):
        owner = people[item["beneficiary_ref"]]
        session.add(FinancialTitle(
            ref=item["ref"], beneficiary_id=owner.id, code=item["code"],
            description=item["description"], competence=parse_day(item["competence"], today),
            due_date=parse_day(item["due_date"], today), principal=Decimal(item["principal"]),
            interest=Decimal(item.get("interest", "0")), fine=Decimal(item.get("fine", "0")),
            status=item.get("status", "open"), our_number=item["our_number"],
            paid_at=parse_day(item["paid_at"], today) if item.get("paid_at") else None,
        ))
    _load_bill_items_and_coverage(session, data, today)
    for item in data.get("guides", []):
        owner = people[item["beneficiary_ref"]]
        session.add(Guide(
            number=item["number"], beneficiary_id=owner.id, procedure_code=item["procedure_code"],
            procedure_name=item["procedure_name"], requesting_doctor=item.get("requesting_doctor"),
            status=item["status"], reason=item.get("reason"),
            requested_at=parse_day(item["requested_at"], today),
            deadline=parse_day(item["deadline"], today) if item.get("deadline") else None,
        ))
    slots = 0
    for item in data.get("providers", []):
        p = Provider(
            ref=item["ref"], name=item["name"], professional=item["professional"],
            specialty=item["specialty"], council_id=item.get("council_id"),
            address=item["address"], city=item["city"], state=item["state"],
            phone=item.get("phone"),
        )
        session.add(p)
        session.flush()
        for starts_at in _slot_times(item.get("schedule"), today, item["state"]):
            session.add(Slot(provider_id=p.id, starts_at=starts_at,
                             duration_minutes=(item.get("schedule") or {}).get("minutes", 30)))
            slots += 1
    session.flush()
    network = load_network(session, data, today, parse_day, replace=replace)
    return {"beneficiaries": len(people), "titles": len(data.get("titles", [])),
            "providers": len(data.get("providers", [])), "slots": slots, **network}


def _load_bill_items_and_coverage(session: Session, data: dict, today: date) -> None:
    """Bill lines (co-participation charges) of titles, and the operator's authorization
    policy per TUSS code (issue 15)."""
    session.flush()
    titles = {t.ref: t for t in session.query(FinancialTitle)}
    for item in data.get("bill_items", []):
        title = titles.get(item["title_ref"])
        if title is None:
            raise RegistryFileError(f"bill item {item['ref']}: unknown title {item['title_ref']}")
        session.add(BillItem(
            ref=item["ref"], title_id=title.id, kind=item.get("kind", "coparticipacao"),
            description=item["description"], amount=Decimal(item["amount"]),
            service_date=parse_day(item["service_date"], today) if item.get("service_date") else None,
            provider=item.get("provider"), patient_ref=item.get("patient_ref")))
    for item in data.get("coverage", []):
        session.add(Coverage(
            code=item["code"], category=item["category"], audit=item.get("audit", True),
            covered=item.get("covered", True), reason=item.get("reason"),
            clause=item.get("clause"), validity_days=item.get("validity_days", 30)))


def _phones(item: dict) -> list[str]:
    """Registry files carry phones as people write them ("(67) 99999-0001"); lookups
    need one spelling, so they are stored in E.164 with a Brazilian mobile's ninth digit."""
    normalized = []
    for raw in item.get("phones", []):
        try:
            normalized.append(phones.canonical(phones.to_e164(str(raw))))
        except phones.InvalidPhone as exc:
            raise RegistryFileError(f"beneficiary {item['ref']}: invalid phone ({exc})") from exc
    return list(dict.fromkeys(normalized))  # two spellings of one line are one phone


def _slot_times(schedule: dict | None, today: date, state: str | None = None):
    """{"weekdays": [0..6], "times": ["08:00"], "from_day": 1, "days": 30, "skip_every": 3};
    no agenda on the national and state (`state`, the provider's UF) holidays."""
    if not schedule:
        return
    first = schedule.get("from_day", 1)
    skip = schedule.get("skip_every", 0)
    for offset in range(first, first + schedule.get("days", 30)):
        day = today + timedelta(days=offset)
        if day.weekday() not in schedule.get("weekdays", [0, 1, 2, 3, 4]) or is_holiday(day, state):
            continue
        for n, hhmm in enumerate(schedule.get("times", [])):
            if skip and (offset + n) % skip == 0:
                continue  # leave gaps so agendas look real
            yield datetime.combine(day, time.fromisoformat(hhmm))
