"""E-mail attachments reach the journey as WhatsApp media do: stored by the webhook
before the 200, checked in full by the worker, attached to the case once however often
the mail is posted; a refused file is answered by e-mail with the reason."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot import engine
from bot.pipeline import sweep
from bot.platform import clock
from bot.services.attachments import LocalStore, StoreUnavailable
from storage.db import transaction
from storage.models import Attachment, CaseDocument, DocumentCase, InboundMessage
from tests.conftest import drain
from tests.email_support import basic_auth, mail_with_files, small_pdf

MARIA = "maria.silva@example.com.br"


class Mailbox:
    def __init__(self, client, rt, smtp):
        self.client, self.rt, self.smtp = client, rt, smtp
        self.count, self.last_id = 0, None

    def raw(self, text: str, files: tuple = ()) -> bytes:
        self.count += 1
        return mail_with_files(MARIA, text, subject="Cadastro", files=files,
                               message_id=f"<c{self.count}@example.com.br>",
                               in_reply_to=self.last_id)

    def post(self, raw: bytes) -> int:
        return self.client.post("/webhooks/email", data=raw, content_type="message/rfc822",
                                headers=basic_auth()).status_code

    def write(self, text: str, files: tuple = (), *, raw: bytes | None = None) -> str:
        before = len(self.received())
        assert self.post(raw or self.raw(text, files)) == 200
        drain(self.rt)
        new = self.received()[before:]
        if new:
            self.last_id = new[-1]["Message-ID"]
        return "\n".join(m.get_body(("plain",)).get_content() for m in new)

    def received(self):
        return [m for m in self.smtp.messages if m["To"] == MARIA]


def _count(rt, model) -> int:
    with transaction(rt.sessions) as s:
        return s.scalar(select(func.count()).select_from(model))


def _waiting_for_the_proof_of_address(maria: Mailbox) -> None:
    assert "3 primeiros dígitos" in maria.write("Quero atualizar meu endereço")
    assert "CEP" in maria.write("116")
    maria.write("79002-000")
    assert "Rua das Flores" in maria.write("Rua das Flores, 123, apto 4, Centro, Campo Grande/MS")
    assert "comprovante de endereço" in maria.write("sim")


def test_a_proof_of_address_emailed_during_an_update_is_attached_to_the_case(client, rt, smtp):
    maria = Mailbox(client, rt, smtp)
    _waiting_for_the_proof_of_address(maria)
    reply = maria.write("Segue o comprovante.",
                        files=(("conta-de-luz.pdf", "application/pdf", small_pdf()),))
    assert "Recebi o arquivo do comprovante de endereço" in reply and "análise" in reply
    with transaction(rt.sessions) as s:
        case = s.scalars(select(DocumentCase)).one()
        assert case.status == "in_review"
        doc = s.scalars(select(CaseDocument)).one()
        assert doc.item == "comprovante_endereco"
        (attachment,) = s.scalars(select(Attachment)).all()
        assert attachment.kind == "pdf" and attachment.original_filename == "conta-de-luz.pdf"
        assert attachment.case_ref == case.protocol


def test_a_mail_posted_twice_stores_and_attaches_its_file_once(client, rt, smtp):
    maria = Mailbox(client, rt, smtp)
    _waiting_for_the_proof_of_address(maria)
    raw = maria.raw("Segue o comprovante.",
                    files=(("conta-de-luz.pdf", "application/pdf", small_pdf()),))
    assert maria.post(raw) == 200
    assert maria.post(raw) == 200  # the service retried: our first 200 was lost
    drain(rt)
    assert maria.post(raw) == 200  # and once more after the worker took it
    drain(rt)
    assert _count(rt, InboundMessage) == 6  # five words + one mail with the file
    assert _count(rt, Attachment) == 1 and _count(rt, CaseDocument) == 1
    assert sum("Recebi o arquivo" in m.get_body(("plain",)).get_content()
               for m in maria.received()) == 1


def test_a_file_of_the_wrong_type_gets_the_reason_by_email_and_the_case_still_waits(
        client, rt, smtp, tmp_path):
    maria = Mailbox(client, rt, smtp)
    _waiting_for_the_proof_of_address(maria)
    reply = maria.write("Segue o comprovante.",
                        files=(("comprovante.docx", "application/msword", b"PK\x03\x04" + b"x" * 500),))
    assert "Não consigo usar esse tipo de arquivo" in reply and "PDF, JPEG, PNG, WEBP, HEIC" in reply
    assert _count(rt, Attachment) == 0 and _count(rt, CaseDocument) == 0
    assert not (tmp_path / "attachments").exists() or not any(
        p.is_file() for p in (tmp_path / "attachments").rglob("*"))
    reply = maria.write("Agora em PDF.", files=(("conta.pdf", "application/pdf", small_pdf()),))
    assert "Recebi o arquivo do comprovante de endereço" in reply


def test_a_worker_dying_mid_turn_loses_nothing_and_attaches_once(client, rt, smtp, monkeypatch):
    maria = Mailbox(client, rt, smtp)
    _waiting_for_the_proof_of_address(maria)
    real, calls = engine.handle, []

    def dies_once(s, rt_, conversation, message):
        calls.append(message.files)
        if len(calls) == 1:
            s.flush()  # the attachment row was written in the turn's transaction…
            raise SystemExit("worker killed")  # …which dies with it
        return real(s, rt_, conversation, message)

    monkeypatch.setattr(engine, "handle", dies_once)
    raw = maria.raw("Segue.", files=(("conta.pdf", "application/pdf", small_pdf()),))
    assert maria.post(raw) == 200
    try:
        drain(rt)
    except SystemExit:
        pass
    assert _count(rt, Attachment) == 0  # rolled back with the turn; the bytes stay stored
    sweep.sweep(reschedule=False)  # a new worker's sweep finds the message unprocessed
    drain(rt)
    assert len(calls) == 2 and len(calls[1]) == 1
    assert _count(rt, Attachment) == 1 and _count(rt, CaseDocument) == 1
    assert "Recebi o arquivo do comprovante" in maria.received()[-1].get_body(("plain",)).get_content()


def test_the_store_down_in_the_worker_retries_the_mail_without_saying_recebido(
        client, rt, smtp, monkeypatch):
    maria = Mailbox(client, rt, smtp)
    _waiting_for_the_proof_of_address(maria)
    real, failures = LocalStore.get, []

    def down_once(self, key):
        if not failures:
            failures.append(key)
            raise StoreUnavailable("disk gone")
        return real(self, key)

    monkeypatch.setattr(LocalStore, "get", down_once)
    before = len(maria.received())
    assert maria.write("Segue.", files=(("conta.pdf", "application/pdf", small_pdf()),)) == ""
    assert len(maria.received()) == before and _count(rt, Attachment) == 0
    clock.freeze(clock.now() + timedelta(seconds=6))
    sweep.sweep(reschedule=False)
    drain(rt)
    assert "Recebi o arquivo do comprovante" in maria.received()[-1].get_body(("plain",)).get_content()
    assert _count(rt, Attachment) == 1
