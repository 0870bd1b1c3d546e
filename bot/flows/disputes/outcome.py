"""The result of contas médicas' analysis, recorded by an attendant (the attendants' API)
or — once team replies thread into cases — from the team's e-mail: a valid charge sends
the person its proof and closes the protocol; an undue one asks how to take the credit."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine import close_idle_session, session_left
from bot.flows.disputes import credit
from bot.language.templates import render
from bot.platform import clock
from bot.services import outbox, protocols
from storage.models import BillingDispute, Conversation

OUTCOMES = ("valid", "undue")


class OutcomeError(ValueError):
    def __init__(self, reason: str, status: int = 409):
        super().__init__(reason)
        self.reason, self.status = reason, status


def record(session: Session, runtime, protocol_number: str, outcome: str, note: str = "",
           proof: str = "") -> int:
    """Apply the result once; the conversation id whose message must be delivered."""
    if outcome not in OUTCOMES:
        raise OutcomeError('"outcome" must be "valid" or "undue"', 400)
    dispute = session.scalars(select(BillingDispute).where(
        BillingDispute.protocol_number == protocol_number).with_for_update()).first()
    if dispute is None:
        raise OutcomeError("no billing dispute with this protocol", 404)
    if dispute.status != "with_team":
        raise OutcomeError(f"this dispute already has its result ({dispute.status})")
    conversation = session.get(Conversation, dispute.conversation_id, with_for_update=True)
    protocol = protocols.by_number(session, protocol_number)
    dispute.outcome_note, dispute.decided_at = note or proof or None, clock.now()
    if outcome == "valid":
        dispute.status = "closed"
        body = render("disputes/valid", dispute=dispute, note=note, proof=proof)
        protocols.set_status(protocol, "concluido", "cobrança procedente; comprovante enviado")
    else:
        dispute.status = "undue"
        free = conversation.handoff is None and (
            conversation.flow is None or session_left(conversation, runtime.settings, clock.now()))
        if free:
            close_idle_session(session, runtime, conversation, clock.now())
            credit.await_answer(conversation, dispute)
        body = render("disputes/credit_question", protocol=protocol_number, waiting=not free)
        protocols.set_status(protocol, "aberto", "cobrança indevida; aguardando a forma do crédito")
    outbox.enqueue_business_initiated(
        session, conversation, body, content_sid=runtime.settings.content_dispute_sid or None,
        variables={"1": protocol_number,
                   "2": "procedente" if outcome == "valid" else "indevida"})
    return conversation.id
