"""Registering a cancellation with the operator: at once inside the person's turn, and —
when the operator's systems do not answer — by the sweeper's due work until they do.

A `Cancellation` row is written in the same transaction as the turn that asked for it, so
the request itself can never be lost; its idempotency key (beneficiary + the message that
completed the request) makes every retry the same write for the operator.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import runtime as runtime_module
from bot.language.templates import render
from bot.platform import clock, queueing
from bot.registry.base import RegistryUnavailable
from bot.services import outbox, protocols
from storage.db import transaction
from storage.models import Cancellation, Conversation

log = logging.getLogger(__name__)

PROOF_KIND = "cancellation"


def idempotency_key(beneficiary_ref: str, message_id: str | None, protocol_number: str) -> str:
    return f"cancelamento:{beneficiary_ref}:{message_id or protocol_number}"


def existing(session: Session, key: str) -> Cancellation | None:
    return session.scalars(select(Cancellation).where(Cancellation.idempotency_key == key)).first()


def try_register(registry, row: Cancellation) -> bool:
    """One attempt; the row says what happened. Never raises for the operator's errors."""
    if row.status == "registered":
        return True
    row.attempts += 1
    try:
        registry.register_cancellation(row.beneficiary_ref, row.protocol_number, row.requested_at,
                                       list(row.dependent_refs or []), row.idempotency_key)
    except (RegistryUnavailable, ValueError, OSError) as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("cancellation %s not registered yet (attempt %s): %s",
                    row.protocol_number, row.attempts, row.last_error)
        return False
    row.status, row.registered_at, row.last_error = "registered", clock.now(), None
    return True


def proof_media(row: Cancellation) -> list[dict]:
    return [{"kind": PROOF_KIND, "ref": row.protocol_number,
             "filename": f"comprovante-cancelamento-{row.protocol_number}.pdf"}]


def register_pending(runtime) -> int:
    """Due work: every cancellation still pending is tried again; once registered the
    protocol is concluded and the person gets the confirmation with the proof."""
    with transaction(runtime.sessions) as s:
        ids = list(s.scalars(select(Cancellation.id).where(Cancellation.status == "pending")
                             .order_by(Cancellation.id)))
    return sum(1 for cancellation_id in ids if register_one(cancellation_id))


def register_one(cancellation_id: int) -> bool:
    rt = runtime_module.current()
    conversation_id = None
    with transaction(rt.sessions) as s:
        row = s.get(Cancellation, cancellation_id, with_for_update=True, populate_existing=True)
        if row is None or row.status != "pending":
            return False
        if not try_register(rt.registry.bind(s), row):
            return False
        protocol = protocols.by_number(s, row.protocol_number)
        if protocol is not None:
            protocols.set_status(protocol, "concluido", "cancelamento registrado na operadora")
        conversation = s.get(Conversation, row.conversation_id) if row.conversation_id else None
        if conversation is not None:
            body = render("cancellation/registered_later", row=row,
                          when=clock.to_local(row.requested_at))
            outbox.enqueue_text(s, conversation, body, media=proof_media(row))
            row.proof_sent_at = clock.now()
            conversation_id = conversation.id
    if conversation_id is not None:
        queueing.deliver_later(rt, conversation_id)
    return True
