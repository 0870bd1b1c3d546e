"""A beneficiary by e-mail, end to end: raw MIME posted to the signed webhook, the worker
runs the journey, the answers leave by SMTP (aiosmtpd on loopback), PDFs attached."""
from __future__ import annotations

import re

from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA as MARIA_PHONE
from tests.conftest import drain
from tests.email_support import basic_auth, mail_with_files

MARIA = "maria.silva@example.com.br"
UNKNOWN = "alguem.novo@example.org"
ROBERTO_PHONE = "+5567999990004"


class Mailbox:
    """A person writing to the operator and reading what arrived at the SMTP server."""

    def __init__(self, client, rt, smtp, address: str):
        self.client, self.rt, self.smtp, self.address = client, rt, smtp, address
        self.count = 0
        self.last_id: str | None = None

    def write(self, text: str, subject: str = "Atendimento"):
        self.count += 1
        raw = mail_with_files(self.address, text, subject=subject,
                              message_id=f"<m{self.count}.{id(self)}@example.org>",
                              in_reply_to=self.last_id)
        before = len(self.received())
        response = self.client.post("/webhooks/email", data=raw,
                                    content_type="message/rfc822", headers=basic_auth())
        assert response.status_code == 200, response.data
        drain(self.rt)
        new = self.received()[before:]
        if new:
            self.last_id = new[-1]["Message-ID"]
        return new

    def received(self):
        return [m for m in self.smtp.messages if m["To"] == self.address]


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def test_a_beneficiary_gets_the_2a_via_by_email_with_the_pdf_attached(client, rt, smtp):
    maria = Mailbox(client, rt, smtp, MARIA)
    (first,) = maria.write("Olá, quero a segunda via do boleto.", subject="Boleto")
    body = _text(first)
    # The registered address binds the conversation: her name and the 3-digit check,
    # the protocol first, and no WhatsApp markup shown literally.
    assert body.index("Protocolo") < body.index("Maria, para sua segurança")
    assert "3 primeiros dígitos" in body and "*" not in body
    assert "<strong>3 primeiros dígitos</strong>" in first.get_body(("html",)).get_content()
    assert first["Subject"].startswith("Re: Boleto [Protocolo ") and first["In-Reply-To"]

    (listing,) = maria.write("116")
    lines = re.findall(r"^(\d)\. (.*)$", _text(listing), re.M)
    payable = next(n for n, line in lines if "vencido" not in line and "pago" not in line)
    mails = maria.write(payable)
    bill = mails[-1]
    (pdf,) = list(bill.iter_attachments())
    assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF")
    assert "segue em anexo" in _text(bill) and "Linha digitável" in _text(bill)
    assert all(m["References"] for m in mails)  # still the same thread
    with transaction(rt.sessions) as s:
        conversation = s.scalars(select(Conversation).where(
            Conversation.channel == "email", Conversation.address == MARIA)).one()
        protocol = s.scalars(select(Protocol).where(
            Protocol.conversation_id == conversation.id)).one()
        assert conversation.beneficiary_ref == "B001" and protocol.status == "concluido"


def test_an_unknown_address_gets_the_identity_questions_before_any_data(client, rt, smtp):
    person = Mailbox(client, rt, smtp, UNKNOWN)
    (first,) = person.write("Quero a segunda via do boleto")
    body = _text(first)
    assert "Não encontrei seu e-mail no cadastro" in body and "CPF" in body
    assert "R$" not in body
    (birth,) = person.write("116.764.967-26")
    assert "nascimento" in _text(birth) and "R$" not in _text(birth)
    (listing,) = person.write("05/03/1980")
    assert "R$" in _text(listing)  # full CPF and birth date: the same gate as WhatsApp


def test_2a_via_on_whatsapp_offers_the_copy_by_email_and_sends_the_pdf(wa, rt, smtp):
    wa.say(MARIA_PHONE, "2a via")
    listing = wa.say(MARIA_PHONE, "116")[0]
    lines = re.findall(r"^(\d)\. (.*)$", listing, re.M)
    payable = next(n for n, line in lines if "vencido" not in line and "pago" not in line)
    bill = wa.say(MARIA_PHONE, payable)[-1]
    assert "m•••@example.com.br" in bill and "*e-mail*" in bill
    assert smtp.messages == []
    (done,) = wa.say(MARIA_PHONE, "e-mail")
    assert "m•••@example.com.br" in done
    (mail,) = smtp.messages
    assert mail["To"] == MARIA and mail["Subject"] == "2ª via do boleto"
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename().endswith(".pdf") and pdf.get_content().startswith(b"%PDF")


def test_negotiation_boletos_are_delivered_by_email_with_the_pdfs(wa, rt, smtp):
    wa.say(ROBERTO_PHONE, "negociar")
    wa.say(ROBERTO_PHONE, "530")
    wa.say(ROBERTO_PHONE, "quanto fica em 5 vezes?")
    wa.say(ROBERTO_PHONE, "sim")
    wa.say(ROBERTO_PHONE, "sim")
    wa.say(ROBERTO_PHONE, "2")
    wa.say(ROBERTO_PHONE, "roberto.n@example.org")
    summary = wa.say(ROBERTO_PHONE, "sim")[0]
    assert "por e-mail para roberto.n@example.org" in summary
    (mail,) = smtp.messages
    assert mail["To"] == "roberto.n@example.org"
    assert mail["Subject"].startswith("Boletos do acordo")
    pdfs = list(mail.iter_attachments())
    assert len(pdfs) == 6
    assert all(p.get_content_type() == "application/pdf"
               and p.get_content().startswith(b"%PDF") for p in pdfs)
    assert len({p.get_filename() for p in pdfs}) == 6


def _bill_with_offer(wa, phone: str) -> str:
    wa.say(phone, "2a via")
    listing = wa.say(phone, "116")[0]
    lines = re.findall(r"^(\d)\. (.*)$", listing, re.M)
    payable = next(n for n, line in lines if "vencido" not in line and "pago" not in line)
    return wa.say(phone, payable)[-1]


def test_the_copy_by_email_is_not_sent_for_a_closing_and_the_talk_goes_on(wa, rt, smtp):
    _bill_with_offer(wa, MARIA_PHONE)
    replies = wa.say(MARIA_PHONE, "obrigada")
    assert replies and smtp.messages == []
    menu = wa.say(MARIA_PHONE, "menu")[0]
    assert "2ª via" in menu
    assert smtp.messages == []


def test_an_email_answered_hours_later_continues_the_journey(client, rt, smtp):
    from datetime import timedelta

    from bot.platform import clock

    maria = Mailbox(client, rt, smtp, MARIA)
    maria.write("Quero a segunda via do boleto", subject="Boleto")
    clock.freeze(clock.now() + timedelta(hours=5))  # WhatsApp's session would be over
    (listing,) = maria.write("116")
    assert "R$" in _text(listing) and "inatividade" not in _text(listing)
    clock.freeze(clock.now() + timedelta(hours=25))  # a day later: a fresh start
    (fresh,) = maria.write("2")
    assert "encerrada por inatividade" in _text(fresh) and "R$" not in _text(fresh)
