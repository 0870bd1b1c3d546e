"""The operator API's side of the contract changes approved by the registration team
(issue 12): a mixin of `HttpRegistry`, which provides `self._call` (Idempotency-Key on
writes, 5xx/429/network errors as RegistryUnavailable, other 4xx as ValueError).
Endpoints in docs/api/operator-registry.md#writes-for-contract-changes."""
from __future__ import annotations

from datetime import date

from .base import NewHolder


class HttpContracts:
    def continue_as_student(self, dependent_ref: str, valid_until: date, protocol: str,
                            idempotency_key: str) -> None:
        self._call("POST", f"/beneficiaries/{dependent_ref}/student-continuity",
                   key=idempotency_key,
                   json={"protocol": protocol, "valid_until": valid_until.isoformat()})

    def transfer_holder(self, holder_ref: str, new_holder: NewHolder, holder_deceased: bool,
                        effective_on: date, protocol: str, idempotency_key: str) -> str:
        item = self._call("POST", f"/beneficiaries/{holder_ref}/holder-transfer",
                          key=idempotency_key, json={
                              "protocol": protocol, "effective_on": effective_on.isoformat(),
                              "holder_deceased": holder_deceased,
                              "new_holder": {"name": new_holder.name, "cpf": new_holder.cpf}})
        if not isinstance(item, dict) or not item.get("new_holder_ref"):
            raise ValueError(f"holder-transfer of {holder_ref}: no new_holder_ref in the answer")
        return str(item["new_holder_ref"])
