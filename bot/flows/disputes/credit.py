"""An undue charge: how the person takes the credit — on the current bill (settled at the
tesouraria: its address and hours from config/disputes.yaml) or on future bills (finance
is e-mailed the contas-médicas message with the chosen option). The protocol closes with
the outcome."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.engine import Turn
from bot.flows.disputes import rules, team_mail
from bot.language import choices
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import clock, queueing
from bot.services import protocols
from storage.models import BillingDispute, Conversation

STATE = ("contestacao", "credit_choice")
CURRENT_WORDS = ("atual", "tesouraria", "desta fatura", "dessa fatura", "esta fatura", "essa fatura")
FUTURE_WORDS = ("futura", "proxima", "proximas", "seguinte", "depois", "que vem")


def awaiting_choice(session: Session, beneficiary_ref: str | None) -> BillingDispute | None:
    if not beneficiary_ref:
        return None
    return session.scalars(select(BillingDispute).where(
        BillingDispute.beneficiary_ref == beneficiary_ref, BillingDispute.status == "undue")
        .order_by(BillingDispute.id.desc())).first()


def await_answer(conversation: Conversation, dispute: BillingDispute) -> None:
    """Entry point for the outcome: the conversation's next message answers the credit
    question (a fresh session of this journey; the dispute's protocol is not the
    session's, so leaving does not cancel it)."""
    conversation.flow, conversation.state = STATE
    conversation.data = {"dispute_id": dispute.id}
    conversation.last_activity_at = clock.now()


def ask(turn: Turn, dispute: BillingDispute) -> None:
    turn.remember(dispute_id=dispute.id)
    turn.goto(STATE[1])
    turn.say("disputes/credit_question", protocol=dispute.protocol_number, waiting=False)


def _option(turn: Turn) -> str | None:
    number = choices.single(turn.choice, 2)
    if number in (1, 2):
        return "current" if number == 1 else "future"
    norm = normalize(turn.text)
    if any(w in norm for w in FUTURE_WORDS):
        return "future"
    if any(w in norm for w in CURRENT_WORDS):
        return "current"
    return None


def answer(turn: Turn) -> None:
    dispute = turn.session.get(BillingDispute, turn.data.get("dispute_id"), with_for_update=True)
    if dispute is None or dispute.status != "undue":
        turn.end()
        return turn.say("disputes/nothing_to_choose")
    option = _option(turn)
    if option is None:
        return turn.retry("disputes/credit_again")
    dispute.credit_option, dispute.status = option, "closed"
    protocol = protocols.by_number(turn.session, dispute.protocol_number)
    if option == "current":
        place = rules.of().tesouraria
        turn.say("disputes/credit_current", address=place.address, hours=place.hours,
                 protocol=dispute.protocol_number)
        protocols.set_status(protocol, "concluido",
                             "cobrança indevida; crédito na fatura atual (tesouraria)")
    else:
        _tell_finance(turn, dispute, protocol)
    turn.end()


def _tell_finance(turn: Turn, dispute: BillingDispute, protocol) -> None:
    person = turn.registry.beneficiary(dispute.beneficiary_ref)
    original = render("disputes/email_contas_medicas", dispute=dispute, person=person,
                      operator=turn.settings.operator_name)
    body = render("disputes/email_financeiro", dispute=dispute, original=original)
    try:
        team = team_mail.send(turn.session, turn.settings, team_mail.FINANCE,
                              dispute.protocol_number, render("disputes/email_subject_finance"), body)
    except team_mail.NoTeamAddress:
        protocols.set_status(protocol, "encaminhado",
                             "crédito em faturas futuras: sem e-mail do financeiro configurado")
        protocol.details = {**(protocol.details or {}), "handoff": "case"}
    else:
        protocols.set_status(protocol, "concluido",
                             "cobrança indevida; crédito nas próximas faturas (financeiro avisado)")
        runtime = turn.runtime
        turn.defer(lambda: queueing.deliver_later(runtime, team))
    turn.say("disputes/credit_future", protocol=dispute.protocol_number)
