"""Registry JSON sections of issue 16: "dental_providers" (the dental network, with the
phones and e-mails outreach uses) and "indicators" (loss ratio per beneficiary)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.language import phones
from storage.models import RegDentalContact, RegDentalProvider, RegIndicator


class NetworkFileError(ValueError):
    pass


def load_network(session: Session, data: dict, today: date, parse_day, replace: bool = True) -> dict:
    if replace:
        for model in (RegDentalContact, RegDentalProvider, RegIndicator):
            session.execute(delete(model))
    for item in data.get("indicators", []):
        session.add(RegIndicator(beneficiary_ref=item["beneficiary_ref"],
                                 loss_ratio_pct=Decimal(str(item["loss_ratio_pct"]))))
    providers = data.get("dental_providers", [])
    for item in providers:
        try:
            numbers = list(dict.fromkeys(phones.canonical(phones.to_e164(str(p)))
                                         for p in item.get("phones", [])))
        except phones.InvalidPhone as exc:
            raise NetworkFileError(f"dental provider {item['ref']}: invalid phone ({exc})") from exc
        emails = list(dict.fromkeys(e.strip().lower() for e in item.get("emails", [])))
        session.add(RegDentalProvider(
            ref=item["ref"], name=item["name"], kind=item.get("kind", "J"),
            cro=str(item["cro"]).lstrip("0"), uf=item["uf"].upper(), cnpj=item.get("cnpj"),
            cpf=item.get("cpf"), city=item["city"], phones=numbers, emails=emails,
            areas=item.get("areas", []),
            included_on=parse_day(item["included_on"], today) if item.get("included_on") else None))
        for address in numbers + emails:
            session.add(RegDentalContact(address=address, provider_ref=item["ref"]))
    session.flush()
    return {"dental_providers": len(providers), "indicators": len(data.get("indicators", []))}
