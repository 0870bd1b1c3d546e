"""A real SMTP server on loopback (aiosmtpd) and inbound-mail webhooks as services post
them (SendGrid multipart, raw MIME), for the e-mail channel's tests."""
from __future__ import annotations

import base64
import dataclasses
import threading
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from urllib3 import encode_multipart_formdata

FIXTURES = Path(__file__).parent / "channels" / "email" / "fixtures"
WEBHOOK_USER = "sendgrid"
WEBHOOK_PASSWORD = "s3nha-do-webhook"
OPERATOR_FROM = "Plano Demo <atendimento@plano.example.com.br>"
OPERATOR_ADDRESS = "atendimento@plano.example.com.br"
TEAM_ADDRESSES = {"contas_medicas": "contas.medicas@plano.example.com.br",
                  "finance": "financeiro@plano.example.com.br",
                  "registration": "cadastro@plano.example.com.br"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class EphemeralController(Controller):
    """aiosmtpd's Controller bound to port 0: the kernel picks a free port."""

    def __init__(self, handler):
        super().__init__(handler, hostname="127.0.0.1", port=0)

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class RecordingHandler:
    """Accepts mail and keeps it; `replies` are answered to DATA first, one each
    (e.g. "421 4.3.2 try later", "550 5.1.1 no such user")."""

    def __init__(self):
        self.received: list[dict] = []
        self.replies: list[str] = []
        self.data_commands = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.data_commands += 1
            if self.replies:
                return self.replies.pop(0)
            self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                  "data": envelope.original_content or envelope.content})
        return "250 2.0.0 OK: queued"

    def messages(self):
        return [BytesParser(policy=default).parsebytes(m["data"]) for m in self.received]


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.controller = EphemeralController(self.handler)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self):
        return self.handler.messages()


def with_email(settings, smtp: SmtpServer | None = None, **extra):
    values = dict(email_webhook_user=WEBHOOK_USER, email_webhook_password=WEBHOOK_PASSWORD,
                  email_from=OPERATOR_FROM, email_reply_to="atendimento@plano.example.com.br",
                  **{f"team_email_{team}": address for team, address in TEAM_ADDRESSES.items()})
    if smtp is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none")
    values.update(extra)
    return dataclasses.replace(settings, **values)


def basic_auth(user: str = WEBHOOK_USER, password: str = WEBHOOK_PASSWORD) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def multipart(fields: dict) -> tuple[bytes, str]:
    """multipart/form-data as SendGrid posts it; a value may be bytes (another charset)
    or (filename, data, content type) for a file."""
    return encode_multipart_formdata(fields)


def post_raw_sendgrid(client, raw: bytes, headers: dict | None = None, **extra_fields):
    fields = {"email": ("", raw, "text/plain"), "to": OPERATOR_ADDRESS,
              "envelope": '{"to":["atendimento@plano.example.com.br"],"from":"x@y"}',
              "charsets": '{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}', **extra_fields}
    # SendGrid's raw field is a plain form field: no filename
    body, content_type = encode_multipart_formdata(
        {k: (v[1] if isinstance(v, tuple) and v[0] == "" else v) for k, v in fields.items()})
    return client.post("/webhooks/email", data=body, content_type=content_type,
                       headers=basic_auth() if headers is None else headers)


def post_sendgrid(client, fields: dict, headers: dict | None = None):
    body, content_type = multipart(fields)
    return client.post("/webhooks/email", data=body, content_type=content_type,
                       headers=basic_auth() if headers is None else headers)


# -- fixtures (imported by the e-mail tests' conftest.py) -----------------------------
import pytest  # noqa: E402


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def settings(settings, smtp, tmp_path):
    """The suite's settings plus the e-mail channel: a webhook secret, the operator's
    address, the teams' addresses and the loopback SMTP server; received attachments in
    a store under tmp_path."""
    return with_email(settings, smtp, attachments_dir=str(tmp_path / "attachments"))


def small_pdf() -> bytes:
    """A real one-page PDF (the attachments service reads it)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def mail_with_files(sender: str, body: str, *, message_id: str, subject: str = "Documento",
                    to: str = OPERATOR_ADDRESS, in_reply_to: str | None = None,
                    files: tuple = ()) -> bytes:
    """A raw MIME mail as a client writes it; `files`: (filename, content type, bytes)."""
    from email.message import EmailMessage

    mail = EmailMessage(policy=default)
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = mail["References"] = in_reply_to
    mail.set_content(body)
    for filename, content_type, data in files:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()
