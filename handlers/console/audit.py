"""The audit log: every attendant action, written in the action's own transaction."""
from __future__ import annotations

from flask import request
from sqlalchemy.orm import Session

from bot.platform import clock
from storage.models import AuditEntry


def record(session: Session, user_id: int | None, action: str, *, conversation_id: int | None = None,
           what: str | None = None, note: str | None = None, **details) -> None:
    session.add(AuditEntry(at=clock.now(), user_id=user_id, action=action,
                           conversation_id=conversation_id, what=what and what[:200],
                           note=note, details=details, ip=(request.remote_addr or "")[:64]))
