"""The operator's API for procedure requests, guides, bill items and disputes (issue 15;
endpoints in docs/api/operator-registry.md). Writes carry an Idempotency-Key."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .base import AuthorizationAnswer, BillItemInfo, GuideInfo, ProcedureRequestInfo


def _day(value) -> date | None:
    return date.fromisoformat(value) if value else None


def guide_from_json(g: dict, beneficiary_ref: str | None = None) -> GuideInfo:
    return GuideInfo(str(g["number"]), str(g.get("beneficiary_ref") or beneficiary_ref),
                     g.get("procedure_code") or "", g.get("procedure_name") or "", g["status"],
                     date.fromisoformat(g["requested_at"]), _day(g.get("deadline")),
                     g.get("reason"), g.get("requesting_doctor"), _day(g.get("valid_until")),
                     g.get("clause"), g.get("category"))


class HttpProcedures:
    """Mixed into HttpRegistry (which provides `_call`)."""

    def guide(self, number: str) -> GuideInfo | None:
        item = self._call("GET", f"/guides/{number}", allow_404=True)
        return guide_from_json(item) if item else None

    def request_procedure(self, request: ProcedureRequestInfo,
                          idempotency_key: str) -> AuthorizationAnswer:
        item = self._call("POST", "/procedure-requests", key=idempotency_key, json={
            "beneficiary_ref": request.beneficiary_ref,
            "requested_by_ref": request.requested_by_ref,
            "procedure_code": request.procedure_code, "procedure_text": request.procedure_text,
            "doctor": request.doctor, "files": list(request.files), "protocol": request.protocol,
        })
        return AuthorizationAnswer(str(item["guide_number"]), item["status"],
                                   item.get("category"), _day(item.get("valid_until")),
                                   item.get("reason"), item.get("clause"))

    def bill_items(self, title_ref: str) -> list[BillItemInfo]:
        return [BillItemInfo(str(i["ref"]), title_ref, i["description"], Decimal(i["amount"]),
                             _day(i.get("service_date")), i.get("provider"),
                             i.get("patient_ref"), i.get("kind", "coparticipacao"))
                for i in self._call("GET", f"/titles/{title_ref}/items") or []]

    def register_dispute(self, beneficiary_ref: str, title_ref: str | None,
                         competence: date | None, item_refs: list[str], description: str,
                         protocol: str, idempotency_key: str) -> None:
        self._call("POST", "/disputes", key=idempotency_key, json={
            "beneficiary_ref": beneficiary_ref, "title_ref": title_ref,
            "competence": competence.isoformat() if competence else None,
            "item_refs": item_refs, "description": description, "protocol": protocol})
