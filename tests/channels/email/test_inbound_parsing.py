"""Inbound mail parsed with the email package: raw MIME and SendGrid's parsed form."""
from __future__ import annotations

import json

import pytest

from bot.channels.email.inbound import (
    MalformedEmail,
    parse_posted,
    parse_raw,
    read_request,
    to_incoming,
)
from tests.email_support import fixture, multipart


def test_gmail_reply_in_portuguese_keeps_only_the_new_part():
    mail = parse_raw(fixture("gmail_reply_pt.eml"))
    assert mail.sender == "maria.silva@example.com.br"  # lower-cased
    assert mail.sender_name == "Maria Silva"
    assert mail.message_id == "<CAJx9Lp3nQ2w@mail.gmail.com>"
    assert mail.in_reply_to == ("<outbox-7.aaaaaaaaaaaaaaaa@plano.example.com.br>",)
    assert mail.new_text == "Quero a segunda via do boleto de novembro, por favor."


def test_outlook_reply_in_latin1_with_quoted_header_block():
    mail = parse_raw(fixture("outlook_reply_pt.eml"))
    assert mail.sender_name == "José Pereira"
    assert mail.new_text == ("Bom dia, já paguei o boleto ontem. Segue o comprovante em "
                             "anexo na próxima mensagem.")
    assert "Protocolo 12345620261124000001" in mail.subject


def test_apple_mail_reply_drops_sent_from_my_iphone_and_the_quote():
    mail = parse_raw(fixture("apple_reply_pt.eml"))
    assert mail.new_text == "Pode ser na sexta de manhã?"


def test_html_only_mail_becomes_text_without_script_or_style():
    mail = parse_raw(fixture("html_only.eml"))
    assert mail.new_text == "Preciso do boleto de dezembro & do comprovante."
    assert "roube" not in mail.text and "xss" not in mail.text and "color" not in mail.text


def test_attachment_bytes_survive_base64():
    mail = parse_raw(fixture("with_attachment.eml"))
    (pdf,) = mail.attachments
    assert (pdf.filename, pdf.content_type) == ("comprovante.pdf", "application/pdf")
    assert pdf.data == fixture("comprovante.bin")
    assert mail.new_text == "Segue o comprovante de pagamento."


def test_incoming_carries_thread_headers_in_raw_and_message_id_as_external_id():
    incoming = to_incoming(parse_raw(fixture("gmail_reply_pt.eml")))
    assert incoming.channel == "email"
    assert incoming.conversation_key == "email:maria.silva@example.com.br"
    assert incoming.external_id == "<CAJx9Lp3nQ2w@mail.gmail.com>"
    assert incoming.recipient == "atendimento@plano.example.com.br"
    assert incoming.raw["in_reply_to"] == ["<outbox-7.aaaaaaaaaaaaaaaa@plano.example.com.br>"]
    assert incoming.raw["subject"] == "Re: Plano Demo: atendimento"


def test_sendgrid_parsed_form_decoded_with_its_charsets():
    headers = ("Message-ID: <sg-1@example.com.br>\r\n"
               "In-Reply-To: <outbox-1.x@plano.example.com.br>\r\n"
               "From: Jose <jose.pereira@example.com.br>\r\n")
    body, content_type = multipart({
        "headers": headers, "from": "José <JOSE.pereira@example.com.br>",
        "to": "atendimento@plano.example.com.br", "subject": "Dúvida",
        "text": "Não recebi o boleto.\n\n> citação antiga\n".encode("iso-8859-1"),
        "envelope": json.dumps({"to": ["financeiro@plano.example.com.br"],
                                "from": "jose.pereira@example.com.br"}),
        "charsets": json.dumps({"text": "iso-8859-1", "subject": "UTF-8", "from": "UTF-8"}),
        "attachments": "1",
        "attachment-info": json.dumps({"attachment1": {"filename": "recibo.pdf",
                                                       "type": "application/pdf"}}),
        "attachment1": ("recibo.pdf", b"%PDF-1.4 bytes", "application/pdf"),
    })
    mail = parse_posted(read_request(content_type, body))
    assert mail.sender == "jose.pereira@example.com.br"
    assert mail.recipients == ("financeiro@plano.example.com.br",)  # the envelope wins
    assert mail.new_text == "Não recebi o boleto."
    assert mail.message_id == "<sg-1@example.com.br>"
    assert mail.attachments[0].data == b"%PDF-1.4 bytes"


def test_sendgrid_raw_mode_reads_the_email_field():
    body, content_type = multipart({"email": fixture("apple_reply_pt.eml"),
                                    "to": "atendimento@plano.example.com.br"})
    mail = parse_posted(read_request(content_type, body))
    assert mail.sender == "fernanda.souza@example.com.br"
    assert mail.new_text == "Pode ser na sexta de manhã?"


def test_mail_without_message_id_gets_a_digest_that_a_retry_repeats():
    raw = b"From: a@example.com\r\nSubject: oi\r\n\r\nola\r\n"
    first, again = parse_raw(raw), parse_raw(raw)
    assert first.external_id.startswith("sha256:") and first.external_id == again.external_id


@pytest.mark.parametrize("content_type, body, reason", [
    ("application/json", b"{}", "expected multipart/form-data"),
    ("multipart/form-data", b"x", "without a boundary"),
    ("message/rfc822", b"Subject: sem remetente\r\n\r\nx", "no From"),
    ("message/rfc822", b"From: ninguem\r\n\r\nx", "not an e-mail address"),
])
def test_malformed_requests_say_why(content_type, body, reason):
    with pytest.raises(MalformedEmail, match=reason):
        parse_posted(read_request(content_type, body))


def test_sendgrid_attachment_count_must_match_the_files():
    body, content_type = multipart({"from": "a@example.com", "text": "x", "attachments": "2",
                                    "attachment1": ("a.pdf", b"1", "application/pdf")})
    with pytest.raises(MalformedEmail, match="attachment2 is missing"):
        parse_posted(read_request(content_type, body))
