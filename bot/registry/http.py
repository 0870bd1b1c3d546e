"""The operator registry over the operator's own HTTP API (endpoints in README.md).

Timeouts and 5xx become RegistryUnavailable so a flow can tell the person to try later;
every write carries an Idempotency-Key so a retried job never books or issues twice.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import requests

from bot.language import phones

from .base import (
    BeneficiaryInfo,
    Bill,
    GuideInfo,
    ProviderInfo,
    RegistryUnavailable,
    SlotInfo,
    SlotQuery,
    SlotTaken,
    TitleInfo,
)
from .http_contracts import HttpContracts
from .http_network import HttpNetwork
from .http_procedures import HttpProcedures, guide_from_json


class _NotOurBooking(Exception):
    """409 to a release: the slot is booked under another key now."""


class HttpRegistry(HttpProcedures, HttpNetwork, HttpContracts):
    def __init__(self, base_url: str, token: str, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def bind(self, session) -> "HttpRegistry":
        return self  # the operator's API has its own transactions

    def _call(self, method: str, path: str, *, params=None, json=None, key: str | None = None,
              allow_404: bool = False, conflict=None):
        headers = {"Idempotency-Key": key} if key else None
        try:
            response = self.http.request(method, f"{self.base_url}{path}", params=params,
                                         json=json, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            # requests' message quotes the URL with its query (?cpf=…, ?phone=…), which
            # would end up in logs and on the inbound row's error: keep only the path.
            raise RegistryUnavailable(f"{method} {path}: {type(exc).__name__}") from None
        if response.status_code == 404 and allow_404:
            return None
        if response.status_code == 409 and conflict is not None:
            raise conflict
        if response.status_code >= 500 or response.status_code == 429:
            raise RegistryUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ValueError(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response.json() if response.content else None

    # -- beneficiaries -------------------------------------------------------------
    def beneficiary_by_phone(self, phone: str) -> BeneficiaryInfo | None:
        # The operator's records may hold a Brazilian mobile with or without its ninth
        # digit, and WhatsApp may deliver either: ask for each spelling, as received first.
        for spelling in phones.variants(phone):
            items = self._call("GET", "/beneficiaries", params={"phone": spelling}) or []
            if items:
                return _beneficiary(items[0])
        return None

    def beneficiary_by_email(self, address: str) -> BeneficiaryInfo | None:
        items = self._call("GET", "/beneficiaries",
                           params={"email": address.strip().lower()}) or []
        return _beneficiary(items[0]) if items else None

    def beneficiary_by_cpf(self, cpf: str) -> BeneficiaryInfo | None:
        items = self._call("GET", "/beneficiaries", params={"cpf": cpf}) or []
        return _beneficiary(items[0]) if items else None

    def beneficiary(self, ref: str) -> BeneficiaryInfo | None:
        item = self._call("GET", f"/beneficiaries/{ref}", allow_404=True)
        return _beneficiary(item) if item else None

    def dependents(self, holder_ref: str) -> list[BeneficiaryInfo]:
        return [_beneficiary(i) for i in self._call("GET", f"/beneficiaries/{holder_ref}/dependents") or []]

    # -- financial -----------------------------------------------------------------
    def titles(self, beneficiary_ref: str, statuses: tuple[str, ...] = ("open",),
               competence_from: date | None = None) -> list[TitleInfo]:
        params = {"status": ",".join(statuses)}
        if competence_from is not None:
            params["competence_from"] = competence_from.isoformat()
        items = self._call("GET", f"/beneficiaries/{beneficiary_ref}/titles", params=params) or []
        return sorted((_title(i) for i in items), key=lambda t: t.competence, reverse=True)

    def title(self, ref: str) -> TitleInfo | None:
        item = self._call("GET", f"/titles/{ref}", allow_404=True)
        return _title(item) if item else None

    def bill_for_title(self, title_ref: str) -> Bill:
        return _bill(self._call("GET", f"/titles/{title_ref}/bill"))

    def bill(self, bill_ref: str) -> Bill | None:
        item = self._call("GET", f"/bills/{bill_ref}", allow_404=True)
        return _bill(item) if item else None

    def issue_bill(self, beneficiary_ref: str, amount: Decimal, due_date: date,
                   description: str, idempotency_key: str) -> Bill:
        item = self._call("POST", "/bills", key=idempotency_key, json={
            "beneficiary_ref": beneficiary_ref, "amount": str(amount),
            "due_date": due_date.isoformat(), "description": description,
        })
        return _bill(item)

    # -- scheduling ----------------------------------------------------------------
    def cities(self) -> list[tuple[str, str]]:
        return [(c["city"], c["state"]) for c in self._call("GET", "/cities") or []]

    def search_slots(self, query: SlotQuery) -> list[SlotInfo]:
        params = {"specialty": query.specialty, "limit": query.limit}
        for name in ("city", "state", "provider_ref"):
            if getattr(query, name):
                params[name] = getattr(query, name)
        if query.start:
            params["from"] = query.start.isoformat()
        if query.end:
            params["to"] = query.end.isoformat()
        return [_slot(i) for i in self._call("GET", "/slots", params=params) or []]

    def book_slot(self, slot_ref: str, beneficiary_ref: str, idempotency_key: str) -> SlotInfo:
        item = self._call("POST", f"/slots/{slot_ref}/booking", key=idempotency_key,
                          json={"beneficiary_ref": beneficiary_ref},
                          conflict=SlotTaken(slot_ref))
        return _slot(item)

    def release_slot(self, slot_ref: str, idempotency_key: str) -> None:
        """`idempotency_key` is the booking's: sent as `?booking_key=` so the operator frees
        the slot only while that booking holds it — an owed release retried later must not
        free a slot someone else booked since (answered 409, or 404 when nothing is booked:
        either way there is nothing of ours to free). The release is a different write from
        the booking, so it carries its own Idempotency-Key (the API would otherwise replay
        the booking's stored answer)."""
        try:
            self._call("DELETE", f"/slots/{slot_ref}/booking",
                       params={"booking_key": idempotency_key},
                       key=f"{idempotency_key}:release", allow_404=True,
                       conflict=_NotOurBooking())
        except _NotOurBooking:
            pass

    def slot(self, slot_ref: str) -> SlotInfo | None:
        item = self._call("GET", f"/slots/{slot_ref}", allow_404=True)
        return _slot(item) if item else None

    # -- negotiation ---------------------------------------------------------------
    def register_agreement(self, beneficiary_ref: str, title_refs: list[str], summary: dict,
                           idempotency_key: str) -> None:
        self._call("POST", "/agreements", key=idempotency_key, json={
            "beneficiary_ref": beneficiary_ref, "title_refs": title_refs, **summary})

    def cancel_bill(self, bill_ref: str, idempotency_key: str) -> None:
        self._call("POST", f"/bills/{bill_ref}/cancel", key=idempotency_key, allow_404=True)

    def break_agreement(self, beneficiary_ref: str, title_refs: list[str], agreement_id: int,
                        idempotency_key: str) -> None:
        self._call("POST", f"/agreements/{agreement_id}/break", key=idempotency_key, json={
            "beneficiary_ref": beneficiary_ref, "title_refs": title_refs})

    def delinquents(self, min_days: int = 1) -> list[BeneficiaryInfo]:
        items = self._call("GET", "/delinquents", params={"min_days": min_days}) or []
        return [_beneficiary(i) for i in items]

    # -- registration update -------------------------------------------------------
    def update_registration(self, beneficiary_ref: str, changes: dict,
                            idempotency_key: str) -> None:
        self._call("PATCH", f"/beneficiaries/{beneficiary_ref}", key=idempotency_key,
                   json=changes)

    # -- guides --------------------------------------------------------------------
    def guides(self, beneficiary_ref: str) -> list[GuideInfo]:
        return [guide_from_json(g, beneficiary_ref)
                for g in self._call("GET", f"/beneficiaries/{beneficiary_ref}/guides") or []]


def _beneficiary(i: dict) -> BeneficiaryInfo:
    return BeneficiaryInfo(
        ref=str(i["ref"]), name=i["name"], cpf=i["cpf"],
        birth_date=date.fromisoformat(i["birth_date"]) if i.get("birth_date") else None,
        phones=tuple(i.get("phones", [])),
        email=i.get("email"), address=i.get("address", {}), plan=i.get("plan", ""),
        card_number=i.get("card_number", ""), holder_ref=i.get("holder_ref"),
        status=i.get("status") or "active",
        student_until=date.fromisoformat(i["student_until"]) if i.get("student_until") else None,
    )


def _title(i: dict) -> TitleInfo:
    return TitleInfo(
        ref=str(i["ref"]), beneficiary_ref=str(i["beneficiary_ref"]), code=i["code"],
        description=i["description"], competence=date.fromisoformat(i["competence"]),
        due_date=date.fromisoformat(i["due_date"]), principal=Decimal(i["principal"]),
        interest=Decimal(i.get("interest", "0")), fine=Decimal(i.get("fine", "0")),
        status=i.get("status", "open"), our_number=i.get("our_number", ""),
        paid_at=date.fromisoformat(i["paid_at"]) if i.get("paid_at") else None,
    )


def _bill(i: dict) -> Bill:
    return Bill(
        ref=str(i["ref"]), beneficiary_ref=str(i["beneficiary_ref"]),
        description=i["description"], amount=Decimal(i["amount"]),
        due_date=date.fromisoformat(i["due_date"]), barcode=i["barcode"],
        linha_digitavel=i["linha_digitavel"],
        competence=date.fromisoformat(i["competence"]) if i.get("competence") else None,
        title_code=i.get("title_code"), status=i.get("status", "open"),
    )


def _slot(i: dict) -> SlotInfo:
    p = i["provider"]
    return SlotInfo(
        ref=str(i["ref"]),
        provider=ProviderInfo(str(p["ref"]), p["name"], p["professional"], p["specialty"],
                              p["address"], p["city"], p["state"], p.get("phone")),
        starts_at=datetime.fromisoformat(i["starts_at"]),
        duration_minutes=i.get("duration_minutes", 30),
    )
