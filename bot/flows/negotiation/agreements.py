"""The life of an agreement after it is made: which boleto is next, ATZ (reissue), paid,
broken. The decisions are `rules.agreement_action`; this module applies them to the stored
agreement and the operator registry (bills cancelled, titles reopened).

An agreement's `boletos` JSON is the source of truth for its boletos: one entry per
boleto (`number` 0 = entrada or the cash boleto), with the CURRENT bill (`bill_ref`; a
reissue replaces it and cancels the old one), its `due_date`, `reissues` and, once the
registry reports it, `paid`. `Agreement.due_date` is kept equal to the next unpaid
boleto's due date, so the daily check only looks at agreements that may be broken.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.flows.negotiation.rules import agreement_action, default_due_date, next_unpaid
from bot.flows.negotiation.rules import of as rules_of
from bot.language.templates import render
from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement

log = logging.getLogger(__name__)


def _refresh_paid(registry, agreement: Agreement) -> dict | None:
    """Mark the boletos the registry reports paid, in order, up to the first unpaid one."""
    boletos = [dict(b) for b in agreement.boletos]
    for boleto in sorted(boletos, key=lambda b: b["number"]):
        if boleto.get("paid"):
            continue
        bill = registry.bill(boleto["bill_ref"])
        if bill is None or bill.status != "paid":
            break
        boleto["paid"] = True
    agreement.boletos = boletos  # reassigned: JSON columns track assignment only
    return next_unpaid(boletos, {b["bill_ref"] for b in boletos if b.get("paid")})


def review(registry, agreement: Agreement, today: date, rules) -> tuple[str, dict | None]:
    """Bring an active agreement up to date and say what it needs now (see
    rules.agreement_action). A broken agreement is broken here, at once."""
    boleto = _refresh_paid(registry, agreement)
    if boleto is None:
        agreement.status = "paid"
        return "paid", None
    agreement.due_date = date.fromisoformat(boleto["due_date"])
    action = agreement_action(agreement.due_date, boleto.get("reissues", 0), today, rules)
    if action == "broken":
        _break(registry, agreement)
    return action, boleto


def _break(registry, agreement: Agreement) -> None:
    for boleto in agreement.boletos:
        if not boleto.get("paid"):
            registry.cancel_bill(boleto["bill_ref"], f"{agreement.idempotency_key}-cancel-{boleto['bill_ref']}")
    registry.break_agreement(agreement.beneficiary_ref, list(agreement.title_refs), agreement.id,
                             f"{agreement.idempotency_key}-broken")
    agreement.status = "broken"
    log.info("agreement %s broken: boleto overdue beyond the grace", agreement.id)


def reissue(registry, agreement: Agreement, boleto: dict, today: date, rules):
    """ATZ: a new bill for the next unpaid boleto, due within the usual window; the
    superseded bill is cancelled. Returns the new Bill."""
    count = boleto.get("reissues", 0) + 1
    due = default_due_date(today, rules)
    bill = registry.issue_bill(
        agreement.beneficiary_ref, Decimal(boleto["amount"]), due,
        render("negotiation/bill_description", agreement_id=agreement.id, code=agreement.title_code,
               kind="reissue", number=boleto["number"], installments=agreement.installments),
        idempotency_key=f"{agreement.idempotency_key}-boleto{boleto['number']}-atz{count}")
    registry.cancel_bill(boleto["bill_ref"], f"{agreement.idempotency_key}-cancel-{boleto['bill_ref']}")
    updated = {**boleto, "due_date": due.isoformat(), "bill_ref": bill.ref, "reissues": count}
    agreement.boletos = [updated if b["number"] == boleto["number"] else b for b in agreement.boletos]
    agreement.due_date = due
    agreement.reissue_count += 1
    return bill


def active_for(session, beneficiary_ref: str) -> list[Agreement]:
    return list(session.scalars(select(Agreement).where(
        Agreement.beneficiary_ref == beneficiary_ref, Agreement.status == "active")
        .order_by(Agreement.due_date, Agreement.id).with_for_update()))


def break_overdue_agreements(runtime) -> None:
    """Run by every sweep: agreements whose next boleto is overdue beyond the grace are
    checked against the registry (paid → next boleto; unpaid → broken, titles reopened),
    so nobody stays "negotiated" forever without talking to the bot again."""
    rules = rules_of(runtime)
    today = clock.today()
    cutoff = today - timedelta(days=rules.agreement_break_after_days)
    with transaction(runtime.sessions) as s:
        ids = list(s.scalars(select(Agreement.id).where(
            Agreement.status == "active", Agreement.due_date < cutoff)))
    for agreement_id in ids:
        with transaction(runtime.sessions) as s:
            agreement = s.get(Agreement, agreement_id, with_for_update=True)
            if agreement is not None and agreement.status == "active":
                review(runtime.registry.bind(s), agreement, today, rules)
