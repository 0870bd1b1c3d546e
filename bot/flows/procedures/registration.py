"""Registering a collected request with the operator, now or — its API down — later.

The request row is written first (in the turn's transaction); the operator's answer is
asked with the protocol as the Idempotency-Key, so a retry after an outage or a crash
never opens a second guide. What the person is told comes from the same templates
either way: in the turn, or proactively (a Content template outside 24 h).
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows.procedures import rules
from bot.language.templates import render
from bot.platform import clock, queueing
from bot.registry.base import (
    AuthorizationAnswer,
    ProcedureRequestInfo,
    RegistryUnavailable,
)
from bot.services import outbox, protocols
from storage.db import transaction
from storage.models import Conversation, GuideTracking, ProcedureRequest

log = logging.getLogger(__name__)


def request_info(row: ProcedureRequest) -> ProcedureRequestInfo:
    return ProcedureRequestInfo(
        beneficiary_ref=row.patient_ref, requested_by_ref=row.requested_by_ref,
        procedure_code=row.procedure_code, procedure_text=row.procedure_text,
        doctor=dict(row.doctor), files=tuple(row.files), protocol=row.protocol_number)


def register(session: Session, registry, settings, row: ProcedureRequest) -> dict | None:
    """Ask the operator; None while its API is down (the row stays pending, attempt
    counted). Otherwise the outcome as the templates read it; the guide is followed."""
    row.attempts += 1
    try:
        answer = registry.request_procedure(request_info(row), idempotency_key=row.protocol_number)
    except RegistryUnavailable as exc:
        row.last_error = str(exc)[:500]
        return None
    row.status, row.guide_number, row.registered_at = "registered", answer.guide_number, clock.now()
    outcome = _outcome(row, answer, settings)
    _follow(session, row, answer, outcome["deadline"])
    _settle_protocol(session, row, outcome)
    return outcome


def _outcome(row: ProcedureRequest, answer: AuthorizationAnswer, settings) -> dict:
    category = answer.category or rules.category_of(row.procedure_code)
    deadline = (rules.answer_deadline(row.created_at.date() if row.created_at else clock.today(),
                                      category, settings.operator_state)
                if answer.in_audit else None)
    return {"answer": answer, "deadline": deadline, "procedure": row.procedure_text,
            "protocol": row.protocol_number,
            "category": rules.deadline_rules().category(category).label}


def _follow(session: Session, row: ProcedureRequest, answer: AuthorizationAnswer, deadline) -> None:
    tracking = session.get(GuideTracking, answer.guide_number)
    if tracking is None:
        session.add(GuideTracking(
            number=answer.guide_number, beneficiary_ref=row.patient_ref,
            conversation_id=row.conversation_id, protocol_number=row.protocol_number,
            status=answer.status, deadline=deadline, created_at=clock.now()))
        session.flush()


def _settle_protocol(session: Session, row: ProcedureRequest, outcome: dict) -> None:
    protocol = protocols.by_number(session, row.protocol_number)
    if protocol is None:
        return
    answer = outcome["answer"]
    protocol.details = {**(protocol.details or {}), "guide": answer.guide_number}
    if answer.in_audit:
        protocols.set_status(protocol, "aberto", f"guia {answer.guide_number} em auditoria; "
                                                 f"resposta até {outcome['deadline']:%d/%m/%Y}")
    elif answer.status == "autorizada":
        protocols.set_status(protocol, "concluido", f"guia {answer.guide_number} autorizada")
    else:
        protocols.set_status(protocol, "concluido",
                             f"guia {answer.guide_number} negada: {answer.reason or ''}")


def message(outcome: dict) -> str:
    return render("procedures/outcome", **outcome)


# -- later: the operator's API was down --------------------------------------------------
def register_pending(runtime) -> int:
    """Due work: requests kept while the operator's API was down, registered now, and the
    person told (once: the row leaves "pending" in the same transaction)."""
    with transaction(runtime.sessions) as s:
        ids = list(s.scalars(select(ProcedureRequest.id)
                             .where(ProcedureRequest.status == "pending")
                             .order_by(ProcedureRequest.id)))
    done = 0
    for request_id in ids:
        conversation_id = None
        with transaction(runtime.sessions) as s:
            row = s.get(ProcedureRequest, request_id, with_for_update=True, populate_existing=True)
            if row is None or row.status != "pending":
                continue
            outcome = register(s, runtime.registry.bind(s), runtime.settings, row)
            if outcome is None:
                log.info("procedure request %s: operator still unavailable", row.protocol_number)
                continue
            conversation = s.get(Conversation, row.conversation_id)
            answer = outcome["answer"]
            outbox.enqueue_business_initiated(
                s, conversation, render("procedures/registered_later", **outcome),
                content_sid=runtime.settings.content_guide_sid or None,
                variables={"1": row.procedure_text[:60], "2": answer.guide_number,
                           "3": render("guides/status_label", status=answer.status),
                           "4": row.protocol_number})
            conversation_id = conversation.id
            done += 1
        if conversation_id is not None:
            queueing.deliver_later(runtime, conversation_id)
    return done
