"""A case handed to an internal team by e-mail and the team's reply back into the case:
outbox → SMTP on loopback; the reply as raw MIME through the signed webhook."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.platform import queueing
from bot.services import protocols, teams
from storage.db import transaction
from storage.models import Attachment, Conversation, InboundMessage, OutboundMessage, Protocol
from tests.conftest import drain
from tests.email_support import (
    TEAM_ADDRESSES,
    basic_auth,
    mail_with_files,
    small_pdf,
)

FINANCE = TEAM_ADDRESSES["finance"]


def _post(client, raw: bytes):
    response = client.post("/webhooks/email", data=raw, content_type="message/rfc822",
                           headers=basic_auth())
    assert response.status_code == 200, response.data


def _send_case(rt) -> tuple[str, int]:
    """Maria's WhatsApp case handed to finance with her bill attached; returns the
    protocol number and Maria's conversation id."""
    with transaction(rt.sessions) as s:
        maria = Conversation(channel="whatsapp", address="+5567999990001", data={},
                             beneficiary_ref="B001")
        s.add(maria)
        s.flush()
        protocol = protocols.open_protocol(s, rt.settings, "segunda_via", beneficiary_ref="B001",
                                           conversation_id=maria.id)
        bill = rt.registry.bind(s).issue_bill("B001", Decimal("489.90"), date(2026, 12, 1),
                                              "Mensalidade 11/2026", "test-team-bill-1")
        row = teams.send_case(s, rt.settings, teams.FINANCE, protocol, "Baixa de pagamento",
                              "Beneficiária diz ter pago a mensalidade de 11/2026.",
                              [{"kind": "bill", "ref": bill.ref, "filename": "boleto.pdf"}])
        number, maria_id, team_conversation = protocol.number, maria.id, row.conversation_id
    queueing.deliver_later(rt, team_conversation)
    drain(rt)
    return number, maria_id


def _protocol(rt, number: str) -> Protocol:
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        protocol.events  # loaded before the session closes
        s.expunge_all()
        return protocol


@pytest.fixture
def journey_hook(rt, monkeypatch):
    """The segunda_via journey answers team replies: closes the case, tells Maria."""
    seen = []

    def on_reply(reply):
        seen.append((reply.team, reply.text, reply.attachment_ids))
        reply.set_status("concluido", "baixa confirmada pela equipe")
        reply.tell_beneficiary("generic_error")

    flow = next(f for f in rt.journeys if f.journey == "segunda_via")
    monkeypatch.setattr(flow.hooks, "team_reply", on_reply)
    return seen


def test_a_case_goes_to_the_team_address_with_the_protocol_and_attachments(rt, smtp):
    number, _ = _send_case(rt)
    (mail,) = smtp.messages
    assert mail["To"] == FINANCE
    assert mail["Subject"] == f"Baixa de pagamento [Protocolo {number}]"
    body = mail.get_body(("plain",)).get_content()
    assert "Equipe de financeiro" in body and "pago a mensalidade de 11/2026" in body
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename() == "boleto.pdf" and pdf.get_content().startswith(b"%PDF")
    protocol = _protocol(rt, number)
    assert protocol.status == "encaminhado"
    assert protocol.events[-1].note == "encaminhado por e-mail à equipe de financeiro"


def test_the_team_reply_threads_into_its_case_and_the_journey_moves_it_on(client, rt, smtp,
                                                                         journey_hook):
    number, maria_id = _send_case(rt)
    ours = smtp.messages[0]["Message-ID"]
    reply = mail_with_files(
        f"Financeiro <{FINANCE}>", "Baixa feita, pagamento localizado.\n\nEm seg., 7 de dez. "
        "de 2026 às 10:00, Plano Demo escreveu:\n> Equipe de financeiro,",
        subject=f"RE: Baixa de pagamento [Protocolo {number}]", message_id="<fin-1@plano>",
        to="atendimento@plano.example.com.br", in_reply_to=ours,
        files=(("comprovante.pdf", "application/pdf", small_pdf()),))
    _post(client, reply)
    _post(client, reply)  # the service retried: once only
    drain(rt)

    protocol = _protocol(rt, number)
    notes = [e.note for e in protocol.events]
    assert "resposta da equipe de financeiro (1 anexo): Baixa feita, pagamento localizado." in notes
    assert protocol.status == "concluido" and notes[-1] == "baixa confirmada pela equipe"
    assert protocol.details["team_replies"][0]["text"] == "Baixa feita, pagamento localizado."
    ((team, text, ids),) = journey_hook
    assert team == "finance" and text == "Baixa feita, pagamento localizado."
    with transaction(rt.sessions) as s:
        (attachment,) = s.scalars(select(Attachment))
        assert attachment.id == ids[0] and attachment.case_ref == number
        assert attachment.original_filename == "comprovante.pdf"
        told = s.scalars(select(OutboundMessage).where(
            OutboundMessage.conversation_id == maria_id)).all()
        assert len(told) == 1
        # The team gets no bot answer: only the case mail went to it.
        assert s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.recipient == FINANCE)) == 1
    assert len(smtp.messages) == 1


def test_a_reply_from_another_address_with_the_same_in_reply_to_is_not_threaded(
        client, rt, smtp, journey_hook):
    number, _ = _send_case(rt)
    ours = smtp.messages[0]["Message-ID"]
    forwarded = mail_with_files(
        "curioso@example.org", "Baixa feita.", subject=f"RE: Baixa [Protocolo {number}]",
        message_id="<x-1@example.org>", in_reply_to=ours)
    _post(client, forwarded)
    drain(rt)
    protocol = _protocol(rt, number)
    assert protocol.status == "encaminhado" and "team_replies" not in protocol.details
    assert journey_hook == []
    with transaction(rt.sessions) as s:
        row = s.scalars(select(InboundMessage).where(
            InboundMessage.sender == "curioso@example.org")).one()
        assert "thread" not in row.raw


def test_team_mail_naming_no_case_is_kept_and_never_answered(client, rt, smtp):
    _post(client, mail_with_files(FINANCE, "Bom dia, alguém pode ver o caso do José?",
                                  subject="Dúvida", message_id="<fin-2@plano>"))
    drain(rt)
    with transaction(rt.sessions) as s:
        row = s.scalars(select(InboundMessage).where(InboundMessage.sender == FINANCE)).one()
        assert row.status == "processed" and "sem protocolo" in row.error
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == 0
    assert smtp.messages == []


def test_an_unknown_or_unconfigured_team_is_refused(rt):
    with pytest.raises(teams.UnknownTeam):
        teams.address_of(rt.settings, "juridico")
    import dataclasses

    unconfigured = dataclasses.replace(rt.settings, team_email_finance="")
    with pytest.raises(teams.UnknownTeam):
        teams.address_of(unconfigured, teams.FINANCE)  # SMTP configured: no silent default
    embedded = dataclasses.replace(unconfigured, smtp_host="")
    assert teams.address_of(embedded, teams.FINANCE) == "equipe-finance@planbot.localhost"
