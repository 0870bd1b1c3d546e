"""POST /webhooks/email: real multipart and raw MIME posts through the Flask client."""
from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.channels.email import auth
from bot.channels.email.sender import plain
from bot.pipeline import media, sweep
from bot.pipeline.locks import LOCK_TIMEOUT
from bot.platform import clock, queueing
from bot.services import outbox
from bot.services.attachments import LocalStore, StoreUnavailable
from storage.db import transaction
from storage.models import (
    Attachment,
    AttachmentDiscard,
    Conversation,
    EmailBounce,
    EmailSent,
    InboundMessage,
    OutboundMessage,
)
from tests.conftest import drain
from tests.email_support import (
    basic_auth,
    fixture,
    mail_with_files,
    multipart,
    post_raw_sendgrid,
    post_sendgrid,
    small_pdf,
)

MARIA = "maria.silva@example.com.br"
JOSE = "jose.pereira@example.com.br"


def _post_mime(client, raw: bytes, headers=None):
    return client.post("/webhooks/email", data=raw, content_type="message/rfc822",
                       headers=basic_auth() if headers is None else headers)


def _inbound(rt) -> list[InboundMessage]:
    with transaction(rt.sessions) as s:
        rows = list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        s.expunge_all()
        return rows


def _count(rt, model) -> int:
    with transaction(rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(model))


def _mail(sender: str, body: str, *, message_id: str, subject: str = "Oi",
          in_reply_to: str | None = None) -> bytes:
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (f"From: {sender}\r\nTo: atendimento@plano.example.com.br\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\n{thread}Content-Type: text/plain; charset=utf-8\r\n"
            f"\r\n{body}\r\n").encode()


def test_raw_mime_is_stored_with_the_new_part_only(client, rt):
    response = _post_mime(client, fixture("gmail_reply_pt.eml"))
    assert response.status_code == 200, response.data
    (row,) = _inbound(rt)
    assert (row.channel, row.sender, row.status) == ("email", MARIA, "received")
    assert row.external_id == "<CAJx9Lp3nQ2w@mail.gmail.com>"
    assert row.text == "Quero a segunda via do boleto de novembro, por favor."
    assert row.raw["subject"] == "Re: Plano Demo: atendimento"


def test_sendgrid_raw_mode_and_parsed_mode(client, rt):
    assert post_raw_sendgrid(client, fixture("apple_reply_pt.eml")).status_code == 200
    response = post_sendgrid(client, {
        "from": "Jose <jose.pereira@example.com.br>", "to": "atendimento@plano.example.com.br",
        "subject": "boleto", "text": "Preciso do boleto",
        "headers": "Message-ID: <sg-parsed-1@example.com.br>\r\n"})
    assert response.status_code == 200, response.data
    assert [(r.sender, r.text) for r in _inbound(rt)] == [
        ("fernanda.souza@example.com.br", "Pode ser na sexta de manhã?"),
        (JOSE, "Preciso do boleto")]


def test_a_retried_post_is_acknowledged_and_stored_once(client, rt):
    raw = fixture("outlook_reply_pt.eml")
    assert _post_mime(client, raw).status_code == 200
    assert _post_mime(client, raw).status_code == 200
    assert _count(rt, InboundMessage) == 1


def test_forged_webhooks_are_refused_and_nothing_is_stored(client, rt):
    raw = fixture("gmail_reply_pt.eml")
    assert _post_mime(client, raw, headers={}).status_code == 401
    wrong = _post_mime(client, raw, headers=basic_auth(password="chute"))
    assert wrong.status_code == 401 and b"wrong webhook user or password" in wrong.data
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    assert _count(rt, InboundMessage) == 0


def test_webhook_without_configured_authentication_refuses_everything(client, rt):
    rt.settings = dataclasses.replace(rt.settings, email_webhook_user="",
                                      email_webhook_password="")
    response = _post_mime(client, fixture("gmail_reply_pt.eml"))
    assert response.status_code == 403 and b"not configured" in response.data
    assert _count(rt, InboundMessage) == 0


def test_mailgun_signature_checked_when_a_signing_key_is_configured(client, rt):
    rt.settings = dataclasses.replace(rt.settings, email_webhook_user="",
                                      email_webhook_password="", email_webhook_signing_key="mg-key")
    now = str(int(time.time()))

    def post(timestamp, signature):
        body, content_type = multipart({"body-mime": fixture("apple_reply_pt.eml"),
                                        "timestamp": timestamp, "token": "t0k3n",
                                        "signature": signature})
        return client.post("/webhooks/email", data=body, content_type=content_type)

    assert post(now, "0" * 64).status_code == 403
    old = str(int(time.time()) - 3600)
    assert post(old, auth.sign("mg-key", old, "t0k3n")).status_code == 403
    assert _count(rt, InboundMessage) == 0
    assert post(now, auth.sign("mg-key", now, "t0k3n")).status_code == 200
    assert _count(rt, InboundMessage) == 1


def test_malformed_posts_get_400_with_a_reason(client, rt):
    response = client.post("/webhooks/email", json={"from": "x"}, headers=basic_auth())
    assert response.status_code == 400 and b"expected multipart/form-data" in response.data
    response = _post_mime(client, b"Subject: sem remetente\r\n\r\nx")
    assert response.status_code == 400 and b"no From header" in response.data
    assert _count(rt, InboundMessage) == 0


def test_out_of_office_is_stored_as_ignored_and_never_answered(client, rt, smtp):
    response = _post_mime(client, fixture("out_of_office_pt.eml"))
    assert response.status_code == 200 and b"ignored: auto_reply" in response.data
    drain(rt)
    (row,) = _inbound(rt)
    assert row.status == "ignored" and row.error.startswith("auto_reply")
    assert _count(rt, OutboundMessage) == 0 and smtp.handler.received == []


def test_a_bounce_marks_the_address_undeliverable_and_is_never_answered(client, rt, smtp):
    assert _post_mime(client, fixture("bounce_dsn.eml")).status_code == 200
    drain(rt)
    with transaction(rt.sessions) as s:
        bounce = s.get(EmailBounce, "naoexiste@example.com.br")
        assert bounce.status == "5.1.1" and "User unknown" in bounce.diagnostic
    assert _inbound(rt)[0].status == "ignored"
    assert _count(rt, OutboundMessage) == 0 and smtp.handler.received == []


def test_mail_from_a_bounced_address_makes_it_deliverable_again(client, rt):
    assert _post_mime(client, fixture("bounce_dsn.eml")).status_code == 200
    raw = _mail("naoexiste@example.com.br", "voltei", message_id="<back@example.com.br>")
    assert _post_mime(client, raw).status_code == 200
    assert _count(rt, EmailBounce) == 0


def test_attachments_are_sniffed_and_stored_by_the_webhook_for_the_worker_to_check(client, rt, tmp_path):
    pdf = small_pdf()
    raw = mail_with_files(MARIA, "Segue o comprovante.", message_id="<pdf-1@example.com.br>",
                          files=(("comprovante.pdf", "application/pdf", pdf),))
    assert _post_mime(client, raw).status_code == 200
    (row,) = _inbound(rt)
    (attachment,) = row.attachments
    assert attachment["content_type"] == "application/pdf" and attachment["kind"] == "pdf"
    assert attachment["url"] == f"attachment:sha256:{attachment['sha256']}"
    assert attachment["filename"] == "comprovante.pdf" and attachment["size"] == len(pdf)
    assert attachment["checked"] is False  # the full check is the worker's
    assert LocalStore(tmp_path / "attachments").get(attachment["sha256"]) == pdf  # before the 200


def test_an_unreadable_attachment_is_refused_by_the_worker_and_its_bytes_discarded(
        client, rt, tmp_path, smtp):
    assert _post_mime(client, fixture("with_attachment.eml")).status_code == 200
    (row,) = _inbound(rt)
    (attachment,) = row.attachments  # a PDF by its first bytes: stored before the 200
    assert LocalStore(tmp_path / "attachments").exists(attachment["sha256"])
    drain(rt)
    reply = "\n".join(m.get_body(("plain",)).get_content() for m in smtp.messages)
    assert "Não consegui abrir esse PDF" in reply
    assert not any(p.is_file() for p in (tmp_path / "attachments").rglob("*"))


def _stored_files(tmp_path) -> list:
    return [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]


def _discards(rt) -> list[str]:
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(AttachmentDiscard.sha256)))


def test_refused_bytes_a_dead_worker_left_are_discarded_by_the_next_sweep(
        client, rt, tmp_path, smtp, monkeypatch):
    assert _post_mime(client, fixture("with_attachment.eml")).status_code == 200
    (attachment,) = _inbound(rt)[0].attachments
    # The worker dies right after the refusing turn committed: its discard never runs.
    monkeypatch.setattr(media, "discard", lambda rt, keys: 0)
    drain(rt)
    monkeypatch.undo()
    assert _stored_files(tmp_path)
    assert _discards(rt) == [attachment["sha256"]]

    sweep.sweep(reschedule=False)  # the turn is too recent: its own discard may still run
    assert _stored_files(tmp_path)

    clock.freeze(clock.now() + timedelta(seconds=LOCK_TIMEOUT + 1))
    sweep.sweep(reschedule=False)

    assert not _stored_files(tmp_path)
    assert _discards(rt) == []


def test_refused_bytes_wait_for_a_store_that_was_down(client, rt, tmp_path, smtp, monkeypatch):
    assert _post_mime(client, fixture("with_attachment.eml")).status_code == 200

    def store_down(self, key):
        raise StoreUnavailable("store down")

    monkeypatch.setattr(LocalStore, "delete", store_down)
    drain(rt)
    assert _stored_files(tmp_path) and len(_discards(rt)) == 1
    monkeypatch.undo()

    clock.freeze(clock.now() + timedelta(seconds=LOCK_TIMEOUT + 1))
    assert media.discard_left_over(rt, clock.now()) == 1

    assert not _stored_files(tmp_path) and _discards(rt) == []


def test_refused_bytes_an_accepted_attachment_shares_are_kept_and_their_discard_settled(
        client, rt, tmp_path, smtp):
    assert _post_mime(client, fixture("with_attachment.eml")).status_code == 200
    (attachment,) = _inbound(rt)[0].attachments
    with transaction(rt.sessions) as s:  # the same bytes accepted elsewhere meanwhile
        s.add(Attachment(sha256=attachment["sha256"], size=10, mime="application/pdf",
                         kind="pdf"))
        s.add(AttachmentDiscard(sha256=attachment["sha256"]))

    assert media.discard(rt, [attachment["sha256"]]) == 1

    assert LocalStore(tmp_path / "attachments").exists(attachment["sha256"])
    assert _discards(rt) == []


def test_a_discard_leaves_the_row_of_a_turn_that_refused_the_same_bytes_after_it_began(rt):
    key = "a" * 64
    with transaction(rt.sessions) as s:
        s.add(AttachmentDiscard(sha256=key, created_at=clock.now()))
        s.add(AttachmentDiscard(sha256=key, created_at=clock.now() + timedelta(seconds=1)))

    assert media.discard(rt, [key]) == 1

    assert _discards(rt) == [key]  # the later turn's: its own discard or the sweeper's


def test_a_file_of_the_wrong_type_is_refused_by_the_webhook_and_never_stored(client, rt, tmp_path):
    raw = mail_with_files(MARIA, "Segue.", message_id="<doc-1@example.com.br>",
                          files=(("carta.docx", "application/msword", b"PK\x03\x04" + b"x" * 500),))
    assert _post_mime(client, raw).status_code == 200
    (row,) = _inbound(rt)
    assert row.attachments == []
    assert row.raw["refused_attachments"] == [{"filename": "carta.docx",
                                               "declared_type": "application/msword",
                                               "reason": "unsupported_type"}]
    assert not (tmp_path / "attachments").exists() or not any(
        p.is_file() for p in (tmp_path / "attachments").rglob("*"))


def test_mail_larger_than_the_apps_2_mb_limit_is_accepted_on_the_email_webhook(client, rt):
    big = mail_with_files(MARIA, "Fotos do pedido.", message_id="<big-1@example.com.br>",
                          files=(("pedido.bin", "application/octet-stream", b"x" * 3_000_000),))
    assert len(big) > 2 * 1024 * 1024
    assert _post_mime(client, big).status_code == 200
    (row,) = _inbound(rt)
    assert row.raw["refused_attachments"][0]["reason"] in ("unsupported_type", "too_large")


# -- threads --------------------------------------------------------------------------
def _we_wrote_to(rt, address: str, *, protocol: str | None = None) -> str:
    """Send one mail to `address` through the outbox; return its Message-ID."""
    with transaction(rt.sessions) as s:
        conversation = Conversation(channel="email", address=address,
                                    data={"protocol": protocol} if protocol else {})
        s.add(conversation)
        s.flush()
        (row,) = outbox.enqueue_text(s, conversation, "Olá! Como posso ajudar?")
        conversation_id, row_id = conversation.id, row.id
    queueing.deliver_later(rt, conversation_id)
    drain(rt)
    with transaction(rt.sessions) as s:
        return s.scalars(select(EmailSent.message_id)
                         .where(EmailSent.outbound_id == row_id)).one()


def test_a_reply_naming_our_message_id_threads_only_from_the_address_we_wrote_to(client, rt, smtp):
    ours = _we_wrote_to(rt, MARIA)
    own = _mail(MARIA, "Sim", message_id="<r1@example.com.br>", in_reply_to=ours)
    other = _mail(JOSE, "Sim", message_id="<r2@example.com.br>", in_reply_to=ours)
    assert _post_mime(client, own).status_code == 200
    assert _post_mime(client, other).status_code == 200
    maria, jose = _inbound(rt)
    assert maria.raw["thread"]["by"] == "message-id"
    with transaction(rt.sessions) as s:
        expected = s.scalars(select(Conversation.id).where(Conversation.address == MARIA)).one()
    assert maria.raw["thread"]["conversation_id"] == expected
    assert "thread" not in jose.raw  # same In-Reply-To, another person: not merged


def test_protocol_in_the_subject_threads_for_the_team_it_was_sent_to_only(client, rt, smtp):
    _we_wrote_to(rt, "financeiro@plano.example.com.br", protocol="12345620261124000007")
    subject = "Re: Caso [Protocolo 12345620261124000007]"
    team = _mail("financeiro@plano.example.com.br", "Baixa feita.", subject=subject,
                 message_id="<t1@plano.example.com.br>")
    stranger = _mail("curioso@example.org", "E eu?", subject=subject,
                     message_id="<t2@example.org>")
    assert _post_mime(client, team).status_code == 200
    assert _post_mime(client, stranger).status_code == 200
    team_row, stranger_row = _inbound(rt)
    assert team_row.raw["thread"]["protocol"] == "12345620261124000007"
    assert "thread" not in stranger_row.raw


# -- end to end -----------------------------------------------------------------------
def test_a_beneficiary_writes_by_email_and_the_answer_leaves_by_smtp_in_the_thread(client, rt, smtp):
    raw = _mail("Maria Silva <Maria.Silva@example.com.br>",
                "Olá, quero a segunda via do boleto.\n\n-- \nMaria",
                message_id="<first-mail-1@example.com.br>", subject="Boleto")
    assert _post_mime(client, raw).status_code == 200
    drain(rt)  # the worker: process_conversation (engine) then deliver_conversation (SMTP)
    (row,) = _inbound(rt)
    assert row.status == "processed"
    with transaction(rt.sessions) as s:
        bodies = list(s.scalars(select(OutboundMessage.body).where(
            OutboundMessage.channel == "email", OutboundMessage.recipient == MARIA)
            .order_by(OutboundMessage.id)))
    assert bodies and len(smtp.messages) == len(bodies)
    first = smtp.messages[0]
    assert first["To"] == MARIA
    assert first["In-Reply-To"] == "<first-mail-1@example.com.br>"
    assert first["References"] == "<first-mail-1@example.com.br>"
    assert first["Subject"].startswith("Re: Boleto")
    assert plain(bodies[0].splitlines()[0]) in first.get_body(("plain",)).get_content()
    assert smtp.handler.received[0]["to"] == [MARIA]


def test_protocol_in_the_subject_threads_for_its_owner_only(client, rt):
    from storage.models import Protocol

    with transaction(rt.sessions) as s:
        conversation = Conversation(channel="email", address=MARIA, data={})
        s.add(conversation)
        s.flush()
        s.add(Protocol(number="12345620261124000009", journey="boleto",
                       conversation_id=conversation.id))
        owner_id = conversation.id
    subject = "Dúvida [Protocolo 12345620261124000009]"
    assert _post_mime(client, _mail(MARIA, "E agora?", subject=subject,
                                    message_id="<p1@example.com.br>")).status_code == 200
    assert _post_mime(client, _mail(JOSE, "E agora?", subject=subject,
                                    message_id="<p2@example.com.br>")).status_code == 200
    maria, jose = _inbound(rt)
    assert maria.raw["thread"] == {"conversation_id": owner_id, "by": "protocol",
                                   "outbound_id": None, "protocol": "12345620261124000009"}
    assert "thread" not in jose.raw


def test_attendants_see_that_a_bounced_address_is_undeliverable(client, rt, smtp):
    from tests.engine.test_handoff import _token

    bounced = _mail("naoexiste@example.com.br", "Quero falar com um atendente",
                    message_id="<before-bounce@example.com.br>")
    assert _post_mime(client, bounced).status_code == 200
    drain(rt)  # a person asked: the conversation waits for an attendant
    assert _post_mime(client, fixture("bounce_dsn.eml")).status_code == 200
    auth = {"Authorization": f"Bearer {_token(rt)}"}
    (item,) = client.get("/api/attendant/conversations", headers=auth).json["conversations"]
    assert item["address"] == "naoexiste@example.com.br"
    assert item["email_undeliverable"]["status"] == "5.1.1"
    assert "User unknown" in item["email_undeliverable"]["diagnostic"]
