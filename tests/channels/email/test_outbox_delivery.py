"""E-mail through the outbox and the deliver job: retried, given up, in order, once."""
from __future__ import annotations

import dataclasses
import socket

from sqlalchemy import select

from bot.pipeline import sweep
from bot.platform import queueing
from bot.services import outbox
from storage.db import transaction
from storage.models import Conversation, EmailSent, OutboundMessage
from tests.conftest import drain

MARIA = "maria.silva@example.com.br"


def _enqueue(rt, body: str, *, address: str = MARIA, media=None, subject=None) -> int:
    with transaction(rt.sessions) as s:
        conversation = s.scalars(select(Conversation).where(
            Conversation.channel == "email", Conversation.address == address)).first()
        if conversation is None:
            conversation = Conversation(channel="email", address=address, data={})
            s.add(conversation)
            s.flush()
        (row,) = outbox.enqueue_text(s, conversation, body, media=media, subject=subject)
        return conversation.id, row.id


def _row(rt, row_id: int) -> OutboundMessage:
    with transaction(rt.sessions) as s:
        row = s.get(OutboundMessage, row_id)
        s.expunge(row)
        return row


def test_smtp_421_then_250_delivers_exactly_once(rt, smtp):
    smtp.handler.replies.append("421 4.7.0 Try again later")
    conversation_id, row_id = _enqueue(rt, "Seu protocolo foi aberto.")
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    assert len(smtp.handler.received) == 1 and smtp.handler.data_commands == 2
    row = _row(rt, row_id)
    assert (row.status, row.attempts) == ("sent", 2)
    (mail,) = smtp.messages
    assert mail["Message-ID"].startswith(f"<outbox-{row_id}.")
    assert row.external_id == mail["Message-ID"].strip("<>").split("@")[0]


def test_the_message_id_is_the_same_on_every_attempt(rt, smtp):
    smtp.handler.replies.append("451 4.3.0 Temporary failure")
    conversation_id, row_id = _enqueue(rt, "Olá")
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    with transaction(rt.sessions) as s:
        (sent,) = s.scalars(select(EmailSent).where(EmailSent.outbound_id == row_id))
        assert smtp.messages[0]["Message-ID"] == sent.message_id
        assert sent.recipient == MARIA


def test_a_5xx_gives_up_with_the_smtp_code_and_text_stored(rt, smtp):
    smtp.handler.replies.append("550 5.1.1 <maria.silva@example.com.br>: User unknown")
    conversation_id, row_id = _enqueue(rt, "Olá")
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    row = _row(rt, row_id)
    assert (row.status, row.error_code) == ("failed", "550")
    assert "User unknown" in row.error_message
    assert smtp.handler.received == []


def test_smtp_down_then_back_delivers_everything_in_order(rt, smtp):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    live = rt.settings
    rt.settings = dataclasses.replace(live, smtp_port=dead_port)
    rt.__dict__.pop("_senders", None)
    first = _enqueue(rt, "primeira")
    second = _enqueue(rt, "segunda")
    queueing.deliver_later(rt, first[0])
    drain(rt)  # every retry refused: nothing sent, nothing lost
    assert [_row(rt, r).status for r in (first[1], second[1])] == ["pending", "pending"]

    rt.settings = live
    rt.__dict__.pop("_senders", None)
    sweep.sweep(reschedule=False)  # what the periodic sweeper does once SMTP is back
    drain(rt)
    bodies = [m.get_body(("plain",)).get_content().splitlines()[0] for m in smtp.messages]
    assert bodies == ["primeira", "segunda"]
    assert [_row(rt, r).status for r in (first[1], second[1])] == ["sent", "sent"]


def test_a_boleto_leaves_as_a_pdf_attachment(rt, smtp):
    from datetime import date
    from decimal import Decimal

    with transaction(rt.sessions) as s:
        bill = rt.registry.bind(s).issue_bill("B001", Decimal("489.90"), date(2026, 12, 1),
                                              "Acordo 1 - parcela 1", "test-email-bill-1")
    conversation_id, row_id = _enqueue(
        rt, "Segue o boleto do acordo.", subject="Boletos do acordo",
        media=[{"kind": "bill", "ref": bill.ref, "filename": "boleto-acordo.pdf"}])
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    (mail,) = smtp.messages
    assert mail["Subject"] == "Boletos do acordo"
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename() == "boleto-acordo.pdf"
    assert pdf.get_content().startswith(b"%PDF")


def test_an_address_a_bounce_marked_undeliverable_is_not_mailed_again(rt, smtp):
    from bot.platform import clock
    from storage.models import EmailBounce

    with transaction(rt.sessions) as s:
        s.add(EmailBounce(address=MARIA, status="5.1.1", diagnostic="smtp; 550 user unknown",
                          bounced_at=clock.now()))
    conversation_id, row_id = _enqueue(rt, "Olá")
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    row = _row(rt, row_id)
    assert (row.status, row.error_code) == ("failed", "bounced")
    assert smtp.handler.data_commands == 0


def test_without_smtp_the_mail_is_an_eml_file_per_row(rt, smtp, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.platform.config.VAR_DIR", tmp_path)
    rt.settings = dataclasses.replace(rt.settings, smtp_host="")
    rt.__dict__.pop("_senders", None)
    conversation_id, first = _enqueue(rt, "um")
    _, second = _enqueue(rt, "dois")
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [f.name.split(".")[0] for f in files] == [f"outbox-{first}", f"outbox-{second}"]
    assert _row(rt, first).status == "local"
    assert smtp.handler.received == []
