"""The case record: opened with the checklist, files given to its items, sent to review
with an answer deadline in business days, closed with a note on the protocol."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.platform import clock
from bot.platform.calendar import add_business_days
from bot.services import protocols
from bot.services.attachments import attach_to_case
from storage.models import CaseDocument, DocumentCase

OPEN = ("collecting", "resubmit", "in_review")
AWAITING_FILES = ("collecting", "resubmit")


def open_case(s: Session, *, protocol: str, kind: str, beneficiary_ref: str,
              conversation_id: int, changes: list[dict], items: list[dict]) -> DocumentCase:
    case = s.scalars(select(DocumentCase).where(DocumentCase.protocol == protocol)).first()
    if case is None:  # a turn run again after a crash finds the case it opened
        case = DocumentCase(protocol=protocol, kind=kind, beneficiary_ref=beneficiary_ref,
                            conversation_id=conversation_id, status="collecting",
                            changes=changes, items=items, last_activity_at=clock.now(),
                            created_at=clock.now())
        s.add(case)
        s.flush()
    return case


def by_id(s: Session, case_id: int) -> DocumentCase | None:
    return s.get(DocumentCase, case_id)


def awaiting_files(s: Session, beneficiary_ref: str, kinds: tuple[str, ...]) -> DocumentCase | None:
    return s.scalars(select(DocumentCase).where(
        DocumentCase.beneficiary_ref == beneficiary_ref, DocumentCase.kind.in_(kinds),
        DocumentCase.status.in_(AWAITING_FILES)).order_by(DocumentCase.id.desc())).first()


def awaiting_in_conversation(s: Session, conversation_id: int,
                             kinds: tuple[str, ...]) -> DocumentCase | None:
    return s.scalars(select(DocumentCase).where(
        DocumentCase.conversation_id == conversation_id, DocumentCase.kind.in_(kinds),
        DocumentCase.status.in_(AWAITING_FILES)).order_by(DocumentCase.id.desc())).first()


def documents(s: Session, case: DocumentCase) -> list[CaseDocument]:
    return list(s.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)
                          .order_by(CaseDocument.id)))


def missing(s: Session, case: DocumentCase) -> list[dict]:
    """Checklist items with no file waiting for review or approved (a rejected file does
    not count: the item is asked for again)."""
    covered = {d.item for d in documents(s, case) if d.status in ("pending", "approved")}
    return [item for item in case.items if item["code"] not in covered]


def add_files(s: Session, case: DocumentCase, item_code: str, attachment_ids: list[int]) -> None:
    known = {d.attachment_id for d in documents(s, case)}
    for attachment_id in attachment_ids:
        if attachment_id not in known:
            s.add(CaseDocument(case_id=case.id, item=item_code, attachment_id=attachment_id,
                               status="pending", created_at=clock.now()))
    attach_to_case(s, attachment_ids, case.protocol)
    case.last_activity_at = clock.now()
    case.reminders_sent = 0
    s.flush()


def submit(s: Session, case: DocumentCase, review_days: int, state: str | None) -> date:
    """Every item has a file: into the review queue, with the answer deadline."""
    case.status = "in_review"
    case.review_due = add_business_days(clock.today(), review_days, state)
    case.last_activity_at = clock.now()
    protocol = protocols.by_number(s, case.protocol)
    if protocol is not None:
        protocols.set_status(protocol, "encaminhado", "documentos completos: em análise")
    return case.review_due


def close(s: Session, case: DocumentCase, status: str, note: str) -> None:
    case.status = status
    case.closed_at = clock.now()
    protocol = protocols.by_number(s, case.protocol)
    if protocol is not None and not protocols.is_closed(protocol):
        protocols.set_status(protocol, "concluido" if status == "applied" else "cancelado", note)
