"""The operator API's side of cancellations and the dental network (issue 16): a mixin of
`HttpRegistry`, which provides `self._call` (Idempotency-Key on writes, 5xx/429/network
errors as RegistryUnavailable). Endpoints in docs/api/operator-registry.md."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .base import DentalProviderInfo


class HttpNetwork:
    def register_cancellation(self, beneficiary_ref: str, protocol_number: str,
                              requested_at: datetime, dependent_refs: list[str],
                              idempotency_key: str) -> None:
        self._call("POST", f"/beneficiaries/{beneficiary_ref}/cancellation", key=idempotency_key,
                   json={"protocol": protocol_number, "requested_at": requested_at.isoformat(),
                         "dependent_refs": list(dependent_refs)})

    def loss_ratio(self, beneficiary_ref: str) -> Decimal | None:
        item = self._call("GET", f"/beneficiaries/{beneficiary_ref}/indicators", allow_404=True)
        value = (item or {}).get("loss_ratio_pct")
        return Decimal(str(value)) if value is not None else None

    def dental_provider(self, ref: str) -> DentalProviderInfo | None:
        item = self._call("GET", f"/dental-providers/{ref}", allow_404=True)
        return _dental(item) if item else None

    def dental_provider_by_cro(self, cro: str, uf: str) -> DentalProviderInfo | None:
        items = self._call("GET", "/dental-providers", params={"cro": cro, "uf": uf}) or []
        return _dental(items[0]) if items else None

    def dental_provider_by_contact(self, address: str) -> DentalProviderInfo | None:
        key = "email" if "@" in address else "phone"
        items = self._call("GET", "/dental-providers", params={key: address}) or []
        return _dental(items[0]) if items else None


def _dental(i: dict) -> DentalProviderInfo:
    return DentalProviderInfo(
        ref=str(i["ref"]), name=i["name"], kind=i.get("kind", "J"), cro=str(i["cro"]),
        uf=i["uf"], city=i.get("city", ""), phones=tuple(i.get("phones", [])),
        emails=tuple(e.lower() for e in i.get("emails", [])), areas=tuple(i.get("areas", [])),
        cnpj=i.get("cnpj"), cpf=i.get("cpf"),
        included_on=date.fromisoformat(i["included_on"]) if i.get("included_on") else None)
