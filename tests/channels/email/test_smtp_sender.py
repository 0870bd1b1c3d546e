"""SmtpEmailSender against a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

import socket

import pytest

from bot.channels.base import (
    AmbiguousSendError,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
)
from bot.channels.email.inbound import EmailAttachment
from bot.channels.email.sender import (
    EmailComposer,
    EmailDetails,
    FileDropEmailSender,
    SmtpConfig,
    SmtpEmailSender,
)
from tests.email_support import OPERATOR_FROM

COMPOSER = EmailComposer(from_address=OPERATOR_FROM, reply_to="respostas@plano.example.com.br",
                         operator="Plano Demo", phone="(67) 3314-1010")
MESSAGE_ID = "<outbox-5.0123456789abcdef@plano.example.com.br>"


def _outgoing(body="Olá, Maria!\n\nSeu boleto <vence> em 10/12/2026 & segue anexo.", id=5):
    return Outgoing(id=id, channel="email", recipient="maria.silva@example.com.br", body=body,
                    subject=None, media_urls=(), content_sid=None, content_variables=None)


def _details(outgoing=None, **extra):
    values = dict(message_id=MESSAGE_ID, subject="Re: boleto [Protocolo 123]",
                  in_reply_to="<their-1@example.com.br>",
                  references="<older@example.com.br> <their-1@example.com.br>",
                  attachments=(EmailAttachment("boleto.pdf", "application/pdf", b"%PDF-1.4 x"),))
    values.update(extra)
    return EmailDetails(**values)


def _sender(port, details=_details):
    return SmtpEmailSender(SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5),
                           COMPOSER, details)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sends_text_html_and_attachment_with_thread_headers(smtp):
    result = _sender(smtp.port).send(_outgoing())
    assert result.status == "sent"
    assert result.external_id == "outbox-5.0123456789abcdef"
    (envelope,) = smtp.handler.received
    assert envelope["from"] == "atendimento@plano.example.com.br"
    assert envelope["to"] == ["maria.silva@example.com.br"]
    (mail,) = smtp.messages
    assert mail["Message-ID"] == MESSAGE_ID
    assert mail["In-Reply-To"] == "<their-1@example.com.br>"
    assert mail["References"] == "<older@example.com.br> <their-1@example.com.br>"
    assert mail["Reply-To"] == "respostas@plano.example.com.br"
    assert mail["Auto-Submitted"] == "auto-replied"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Seu boleto <vence> em 10/12/2026 & segue anexo." in text
    assert "Seu boleto &lt;vence&gt; em 10/12/2026 &amp; segue anexo." in html  # autoescaped
    assert "<vence>" not in html
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename() == "boleto.pdf" and pdf.get_content() == b"%PDF-1.4 x"


def test_a_421_reply_is_retryable_and_nothing_was_accepted(smtp):
    smtp.handler.replies.append("421 4.3.2 Service not available, try later")
    with pytest.raises(RetryableSendError, match="421"):
        _sender(smtp.port).send(_outgoing())
    assert smtp.handler.received == []


def test_a_5xx_reply_is_permanent_with_the_smtp_code(smtp):
    smtp.handler.replies.append("554 5.7.1 Message rejected: content policy")
    with pytest.raises(PermanentSendError) as failure:
        _sender(smtp.port).send(_outgoing())
    assert failure.value.code == "554"
    assert "content policy" in failure.value.message


def test_smtp_down_is_retryable():
    with pytest.raises(RetryableSendError, match="unreachable"):
        _sender(_free_port()).send(_outgoing())


def test_connection_lost_after_data_is_ambiguous():
    """A server that takes DATA and hangs up before its final reply: the mail may be
    delivered, so it must not be retried blindly (the sweeper settles it later)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    import threading

    def serve():
        conn, _ = listener.accept()
        with conn:
            f = conn.makefile("rb")
            conn.sendall(b"220 fake ESMTP\r\n")
            while line := f.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 fake\r\n")
                elif verb in (b"MAIL", b"RCPT"):
                    conn.sendall(b"250 ok\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while f.readline() not in (b".\r\n", b""):
                        pass
                    return  # hang up without the final reply

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with pytest.raises(AmbiguousSendError):
            _sender(port).send(_outgoing())
    finally:
        thread.join(5)
        listener.close()


def test_a_failure_preparing_the_mail_is_retryable(smtp):
    def broken(message):
        raise ConnectionError("database unavailable")

    with pytest.raises(RetryableSendError, match="could not prepare"):
        _sender(smtp.port, broken).send(_outgoing())
    assert smtp.handler.data_commands == 0


def test_find_sent_cannot_ask_smtp(smtp):
    assert _sender(smtp.port).find_sent(_outgoing(), lambda _: False) is None


def test_file_drop_writes_one_eml_per_row_and_a_resend_replaces_it(tmp_path):
    ids = {5: MESSAGE_ID, 6: "<outbox-6.fedcba9876543210@plano.example.com.br>"}
    sender = FileDropEmailSender(tmp_path / "mail", COMPOSER,
                                 lambda m: _details(message_id=ids[m.id]))
    sender.send(_outgoing(id=5))
    sender.send(_outgoing(id=5))  # the resend after a crash
    result = sender.send(_outgoing(id=6))
    files = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert files == ["outbox-5.0123456789abcdef@plano.example.com.br.eml",
                     "outbox-6.fedcba9876543210@plano.example.com.br.eml"]
    assert result.status == "local"
    from email import message_from_bytes
    from email.policy import default

    written = message_from_bytes((tmp_path / "mail" / files[1]).read_bytes(), policy=default)
    assert written["Message-ID"] == ids[6]


def test_whatsapp_bold_is_plain_in_the_text_part_and_strong_in_the_html_part():
    from bot.channels.email.sender import html_line, plain

    line = "Valor: *R$ 1.234,56* até *05/12/2026*; 2*3 = 6 e <b>não</b> é HTML"
    assert plain(line) == "Valor: R$ 1.234,56 até 05/12/2026; 2*3 = 6 e <b>não</b> é HTML"
    assert str(html_line(line)) == ("Valor: <strong>R$ 1.234,56</strong> até "
                                    "<strong>05/12/2026</strong>; 2*3 = 6 e "
                                    "&lt;b&gt;não&lt;/b&gt; é HTML")
