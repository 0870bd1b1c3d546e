"""Cases waiting for documents: reminded after `reminder_after_days` without a file (at
most `reminders` times), then closed with the protocol noted (config/cases/review.yaml).
Run by the sweeper through each journey's flow.due; idempotent (counted on the case)."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Callable

from sqlalchemy import select

from bot.engine import close_idle_session, session_left
from bot.platform import clock, queueing
from storage.db import transaction
from storage.models import Conversation, DocumentCase

from . import checklist, collect, records, review

log = logging.getLogger(__name__)


def run(rt, kind: str, resume: Callable[[Conversation, DocumentCase], None]) -> None:
    rules = checklist.review_of(rt)
    now = clock.now()
    touched = []
    with transaction(rt.sessions) as s:
        cases = list(s.scalars(select(DocumentCase).where(
            DocumentCase.kind == kind, DocumentCase.status.in_(records.AWAITING_FILES))
            .with_for_update()))
        for case in cases:
            idle = now - case.last_activity_at
            if case.reminders_sent >= rules.reminders:
                if idle >= timedelta(days=rules.close_after_days):
                    records.close(s, case, "closed", "encerrado: documentos não enviados no prazo")
                    _release(s, rt, case, now)
                    touched.append(review.notify(s, rt, case, "cases/closed"))
                continue
            if idle < timedelta(days=rules.reminder_after_days * (case.reminders_sent + 1)):
                continue
            case.reminders_sent += 1
            conversation = s.get(Conversation, case.conversation_id) if case.conversation_id else None
            here = conversation is not None and _waits_here(conversation, case, rt, now)
            if (conversation is not None and not here and conversation.handoff is None
                    and session_left(conversation, rt.settings, now)):
                close_idle_session(s, rt, conversation, now)
                resume(conversation, case)
                here = True
            if here:
                collect.keep_waiting(conversation, rules)
            touched.append(review.notify(s, rt, case, "cases/reminder",
                                         items=records.missing(s, case), waiting_here=here))
    for conversation_id in filter(None, touched):
        queueing.deliver_later(rt, conversation_id)


def _waits_here(conversation: Conversation, case: DocumentCase, rt, now) -> bool:
    return (conversation.data or {}).get("case_id") == case.id and conversation.flow is not None


def _release(s, rt, case: DocumentCase, now) -> None:
    conversation = s.get(Conversation, case.conversation_id) if case.conversation_id else None
    if conversation is not None and _waits_here(conversation, case, rt, now):
        conversation.flow = conversation.state = None
        conversation.data = {}
