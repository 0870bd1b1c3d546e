"""The registration team's review of a complete case, document by document.

Every document approved → the change is applied through the operator interface (the
registry, bot/flows/cases/apply.py) and the person told what changed; a document rejected (a reason from config/cases/review.yaml
plus free text) → once nothing is pending, the person is told exactly which documents and
why and asked for only those; the case keeps its protocol and history. Every status
change reaches the person (a Content template outside WhatsApp's 24-hour window).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine import session_left
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import clock
from bot.services import ocr, outbox, protocols
from bot.services.attachments import StoreUnavailable, store_from_settings, view_url
from storage.models import Attachment, CaseDocument, Conversation, DocumentCase

from . import apply, checklist, records

STATUS_WORDS = {"collecting": "aguardando documentos", "applied": "aprovada", "resubmit": "com documentos a reenviar",
                "in_review": "em análise", "closed": "encerrada"}


class ReviewError(ValueError):
    """A request the API answers with 4xx: `code` is machine-readable."""

    def __init__(self, code: str, status: int = 400):
        super().__init__(code)
        self.code, self.status = code, status


def queue(s: Session) -> list[DocumentCase]:
    return list(s.scalars(select(DocumentCase).where(DocumentCase.status == "in_review")
                          .order_by(DocumentCase.review_due, DocumentCase.id)))


def _mask_cpf(cpf: str | None) -> str | None:
    # the console's format (handlers/console/masking.py): the last four digits only
    return f"***.***.*{cpf[7:9]}-{cpf[9:]}" if cpf and len(cpf) == 11 else None


IDENTITY_ITEMS = ("rg", "cpf", "rg_novo_titular", "cpf_novo_titular")


def _expected_identity(case: DocumentCase, b) -> tuple[str | None, str | None]:
    """(name, CPF digits) the identity documents of this case should show."""
    if case.kind == "troca_titularidade":
        form = case.changes[0]["value"]
        return form.get("new_holder"), "".join(ch for ch in form.get("new_holder_cpf", "") if ch.isdigit())
    return (b.name, b.cpf) if b else (None, None)


def _ocr(rt, attachment: Attachment, expected: tuple[str | None, str | None]) -> dict | None:
    """What OCR read from an identity photo beside what the case expects (masked), or None
    when OCR is not installed or read nothing."""
    if not ocr.available() or attachment.deleted_at is not None:
        return None
    try:
        data = store_from_settings(rt.settings).get(attachment.sha256)
    except (StoreUnavailable, KeyError):
        return None
    read = ocr.read_identity(data, attachment.mime)
    if read is None or (read.cpf is None and read.name is None):
        return None
    name, cpf = expected
    mismatch = bool((read.cpf and cpf and read.cpf != cpf)
                    or (read.name and name and normalize(read.name) != normalize(name)))
    return {"cpf": _mask_cpf(read.cpf), "name": read.name, "mismatch": mismatch}


def describe(s: Session, rt, case: DocumentCase, attendant_id: int, *,
             with_links: bool = True, with_ocr: bool = False) -> dict:
    """A case as the reviewer sees it: changes asked, checklist, each document with its
    status and an authenticated, expiring, recorded view link."""
    b = rt.registry.bind(s).beneficiary(case.beneficiary_ref)
    labels = {i["code"]: i["label"] for i in case.items}
    max_age = {i["code"]: i.get("max_age_days") for i in case.items}
    docs = []
    for d in records.documents(s, case):
        attachment = s.get(Attachment, d.attachment_id)
        docs.append({
            "id": d.id, "item": d.item, "item_label": labels.get(d.item, d.item),
            "max_age_days": max_age.get(d.item),
            "status": d.status, "reason": d.reason, "note": d.note,
            "mime": attachment.mime, "size": attachment.size,
            "received_at": d.created_at.isoformat(),
            "view_url": (view_url(rt.settings, attachment.id, attendant_id)
                         if with_links and attachment.deleted_at is None else None),
            "ocr": (_ocr(rt, attachment, _expected_identity(case, b))
                    if with_ocr and d.item in IDENTITY_ITEMS else None),
        })
    return {
        "id": case.id, "protocol": case.protocol, "kind": case.kind, "status": case.status,
        "review_due": case.review_due.isoformat() if case.review_due else None,
        "beneficiary": {"ref": case.beneficiary_ref, "name": b.name if b else None,
                        "cpf": _mask_cpf(b.cpf if b else None)},
        "changes": case.changes, "items": case.items, "documents": docs,
    }


Resume = Mapping[str, Callable]  # case kind -> the journey's resume_for_documents


def decide(s: Session, rt, case_id: int, document_id: int, *, approve: bool,
           attendant_id: int, resume: Resume, reason: str | None = None,
           note: str | None = None) -> DocumentCase:
    case = s.get(DocumentCase, case_id, with_for_update=True)
    if case is None:
        raise ReviewError("case_not_found", 404)
    doc = s.get(CaseDocument, document_id)
    if doc is None or doc.case_id != case.id:
        raise ReviewError("document_not_found", 404)
    if case.status != "in_review":
        raise ReviewError("case_not_in_review", 409)
    reasons = checklist.review_of(rt).reasons
    if not approve and reason not in reasons:
        raise ReviewError("reason_required")
    if not approve and reason == "other" and not (note or "").strip():
        raise ReviewError("note_required_for_other")
    doc.status = "approved" if approve else "rejected"
    doc.reason = None if approve else reason
    doc.note = (note or "").strip()[:2000] or None
    doc.reviewed_by, doc.reviewed_at = attendant_id, clock.now()
    s.flush()
    _settle(s, rt, case, resume)
    return case


def _settle(s: Session, rt, case: DocumentCase, resume: Resume) -> None:
    """Once no document is pending, the case's outcome."""
    docs = records.documents(s, case)
    if any(d.status == "pending" for d in docs):
        return
    approved_items = {d.item for d in docs if d.status == "approved"}
    rejected = [d for d in docs if d.status == "rejected" and d.item not in approved_items]
    if not rejected:
        _apply(s, rt, case)
        return
    reasons = checklist.review_of(rt).reasons
    labels = {i["code"]: i for i in case.items}
    told = [{"label": labels[d.item]["label"], "article": labels[d.item].get("article", "o"),
             "reason": reasons.get(d.reason, d.reason), "note": d.note} for d in rejected]
    case.status = "resubmit"
    case.last_activity_at = clock.now()
    case.reminders_sent = 0
    protocol = protocols.by_number(s, case.protocol)
    if protocol is not None:
        protocols.set_status(protocol, "encaminhado", "documentos recusados: " + ", ".join(
            f"{t['label']} ({t['reason']})" for t in told))
    conversation = _conversation(s, case)
    free = conversation is not None and session_left(conversation, rt.settings, clock.now())
    if free and case.kind in resume:
        resume[case.kind](conversation, case)
        conversation.data = {**conversation.data,
                             "keep_until": _keep_until(rt).isoformat()}
    notify(s, rt, case, "cases/rejected", documents=told, waiting_here=free)


def _keep_until(rt):
    return clock.now() + timedelta(days=checklist.review_of(rt).close_after_days)


def _apply(s: Session, rt, case: DocumentCase) -> None:
    """Every document approved: the change through the registry (bot/flows/cases/apply.py,
    idempotency key `<protocol>:review`), the case closed, the person told what changed.
    A write the operator refuses leaves everything as it was (one transaction) and the
    reviewer is answered 409."""
    try:
        told, note = apply.apply_case(s, rt, case)
    except apply.ApplyRefused as exc:
        raise ReviewError(exc.code, 409) from exc
    records.close(s, case, "applied", note)
    notify(s, rt, case, "cases/approved", kind=case.kind,
           changes=[c["type"] for c in case.changes], **told)


def _conversation(s: Session, case: DocumentCase) -> Conversation | None:
    return s.get(Conversation, case.conversation_id) if case.conversation_id else None


def notify(s: Session, rt, case: DocumentCase, template: str, **context) -> int | None:
    """Tell the person; returns the conversation to deliver for (after the commit)."""
    conversation = _conversation(s, case)
    if conversation is None:
        return None
    body = render(template, protocol=case.protocol, **context)
    outbox.enqueue_business_initiated(
        s, conversation, body, content_sid=rt.settings.content_case_sid or None,
        variables={"1": case.protocol, "2": STATUS_WORDS.get(case.status, case.status)})
    return conversation.id
