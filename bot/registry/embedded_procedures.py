"""The embedded operator's side of procedure requests, guides and bill items (issue 15):
its coverage policy (reg_coverage) decides audit, authorization or denial."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.platform import clock
from storage.models import Beneficiary, BillItem, Coverage, FinancialTitle, Guide

from .base import AuthorizationAnswer, BillItemInfo, GuideInfo, ProcedureRequestInfo

GUIDE_PREFIX = "G"


class EmbeddedProcedures:
    """Mixed into EmbeddedRegistry (which provides `s` and `_beneficiary_row`)."""

    def guide(self, number: str) -> GuideInfo | None:
        row = self.s.scalars(select(Guide).where(Guide.number == number)).first()
        if row is None:
            return None
        owner = self.s.get(Beneficiary, row.beneficiary_id)
        return guide_info(row, owner.ref)

    def request_procedure(self, request: ProcedureRequestInfo,
                          idempotency_key: str) -> AuthorizationAnswer:
        row = self.s.scalars(select(Guide).where(Guide.request_key == idempotency_key)).first()
        if row is None:
            row = self._new_guide(request, idempotency_key)
        return AuthorizationAnswer(row.number, row.status, row.category, row.valid_until,
                                   row.reason, row.clause)

    def _new_guide(self, request: ProcedureRequestInfo, key: str) -> Guide:
        owner = self._beneficiary_row(request.beneficiary_ref)
        if owner is None:
            raise LookupError(request.beneficiary_ref)
        policy = self.s.get(Coverage, request.procedure_code) if request.procedure_code else None
        today = clock.today()
        doctor = request.doctor or {}
        row = Guide(
            number="pending", beneficiary_id=owner.id,
            procedure_code=request.procedure_code or "", procedure_name=request.procedure_text,
            requesting_doctor=f"{doctor.get('name', '')} {doctor.get('council', '')} "
                              f"{doctor.get('number', '')}/{doctor.get('uf', '')}".strip(),
            requested_at=today, request_key=key, updated_at=clock.now(),
            category=policy.category if policy else None,
        )
        if policy is None or policy.audit:
            row.status = "em_analise"  # an unknown code goes to the auditors
        elif policy.covered:
            row.status = "autorizada"
            row.valid_until = today + timedelta(days=policy.validity_days)
        else:
            row.status, row.reason, row.clause = "negada", policy.reason, policy.clause
        self.s.add(row)
        self.s.flush()
        row.number = f"{GUIDE_PREFIX}{today:%Y}{row.id:07d}"
        self.s.flush()
        return row

    def bill_items(self, title_ref: str) -> list[BillItemInfo]:
        rows = self.s.execute(
            select(BillItem, FinancialTitle.ref).join(FinancialTitle)
            .where(FinancialTitle.ref == title_ref).order_by(BillItem.id))
        return [BillItemInfo(i.ref, ref, i.description, Decimal(i.amount), i.service_date,
                             i.provider, i.patient_ref, i.kind) for i, ref in rows]

    def register_dispute(self, beneficiary_ref: str, title_ref: str | None,
                         competence: date | None, item_refs: list[str], description: str,
                         protocol: str, idempotency_key: str) -> None:
        """The embedded operator keeps the dispute in the bot's own case table
        (billing_disputes); nothing else to write."""
        if self._beneficiary_row(beneficiary_ref) is None:
            raise LookupError(beneficiary_ref)


def guide_info(g: Guide, beneficiary_ref: str) -> GuideInfo:
    return GuideInfo(g.number, beneficiary_ref, g.procedure_code, g.procedure_name, g.status,
                     g.requested_at, g.deadline, g.reason, g.requesting_doctor,
                     g.valid_until, g.clause, g.category)
