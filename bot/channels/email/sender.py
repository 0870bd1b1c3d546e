"""Outbound e-mail: one outbox row becomes one MIME message (text + HTML, attachments),
sent by SMTP (smtplib) or, with no SMTP configured, written as an .eml file.

Errors map onto the outbox's three outcomes (bot.channels.base):
- RetryableSendError: the server certainly did not take it — no connection, a timeout
  or disconnection before DATA, a 4xx reply, a login refused (configuration);
- AmbiguousSendError: the connection was lost after DATA started: it may have arrived.
  The resend carries the same Message-ID, so the recipient's system can tell;
- PermanentSendError: a 5xx reply, with the SMTP code and text stored on the row.
"""
from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate
from functools import lru_cache
from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.channels.base import (
    AmbiguousSendError,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SendResult,
)
from bot.language.templates import TEMPLATE_DIR, render
from bot.platform.config import SMTP_SECURITIES

from .inbound import EmailAttachment
from .threads import local_id

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30  # seconds per SMTP command


@dataclass(frozen=True)
class EmailDetails:
    """What the outbox row alone does not say: decided once per row (see threads)."""

    message_id: str
    subject: str
    in_reply_to: str | None = None
    references: str | None = None
    attachments: tuple[EmailAttachment, ...] = ()
    automatic: bool = True  # written by the bot, not by an attendant


DetailsFor = Callable[[Outgoing], EmailDetails]


# -- composing ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def html_environment() -> Environment:
    # A separate environment: the chat templates are plain text (autoescape off); here
    # every value a person or the registry supplied is escaped.
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# WhatsApp's *bold*: an asterisk pair around text, not touching another word character.
WHATSAPP_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")


def plain(body: str) -> str:
    """The text part: WhatsApp markup removed (an e-mail shows asterisks literally)."""
    return WHATSAPP_BOLD.sub(r"\1", body)


def html_line(line: str) -> Markup:
    """One line for the HTML part: escaped, then *bold* as <strong>."""
    return Markup(WHATSAPP_BOLD.sub(lambda m: f"<strong>{m.group(1)}</strong>",
                                    str(escape(line))))


def paragraphs(body: str) -> list[list[Markup]]:
    return [[html_line(line) for line in block.split("\n")]
            for block in re.split(r"\n\s*\n", body.strip()) if block.strip()]


@dataclass(frozen=True)
class EmailComposer:
    from_address: str  # "Plano Demo <atendimento@plano.com.br>"
    reply_to: str
    operator: str
    phone: str

    def compose(self, message: Outgoing, details: EmailDetails) -> EmailMessage:
        mail = EmailMessage(policy=default)
        mail["From"] = self.from_address
        mail["To"] = message.recipient
        if self.reply_to:
            mail["Reply-To"] = self.reply_to
        mail["Subject"] = details.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = details.message_id
        if details.in_reply_to:
            mail["In-Reply-To"] = details.in_reply_to
        if details.references:
            mail["References"] = details.references
        if details.automatic:
            # RFC 3834, and Exchange's own header: out-of-office robots do not answer
            # a robot, so two of them cannot loop.
            mail["Auto-Submitted"] = "auto-replied"
            mail["X-Auto-Response-Suppress"] = "All"
        context = dict(body=plain(message.body), operator=self.operator, phone=self.phone)
        mail.set_content(render("email/base.email.txt", **context) + "\n")
        mail.add_alternative(
            html_environment().get_template("email/base.email.html.j2").render(
                subject=details.subject, paragraphs=paragraphs(message.body), **context),
            subtype="html")
        for item in details.attachments:
            maintype, _, subtype = item.content_type.partition("/")
            mail.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream",
                                filename=item.filename)
        return mail

    @property
    def envelope_from(self) -> str:
        return default.header_factory("from", self.from_address).addresses[0].addr_spec


# -- SMTP -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str = ""
    password: str = ""
    security: str = "starttls"  # starttls | tls | none
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls, settings) -> "SmtpConfig":
        security = settings.smtp_security
        return cls(host=settings.smtp_host, port=settings.smtp_port or SMTP_SECURITIES[security],
                   user=settings.smtp_user, password=settings.smtp_password, security=security)


class _DataTracking:
    """Knows whether DATA began: a connection lost before it delivered nothing."""

    data_started = False

    def data(self, msg):
        self.data_started = True
        return super().data(msg)


class _SMTP(_DataTracking, smtplib.SMTP):
    pass


class _SMTP_SSL(_DataTracking, smtplib.SMTP_SSL):
    pass


def classify(code: int, text: bytes | str) -> Exception:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if 400 <= code < 500:
        return RetryableSendError(f"SMTP {code} {message}")
    return PermanentSendError(str(code), message or f"SMTP {code}")


class SmtpEmailSender:
    channel = "email"

    def __init__(self, config: SmtpConfig, composer: EmailComposer, details_for: DetailsFor,
                 tls_context: ssl.SSLContext | None = None):
        self.config = config
        self.composer = composer
        self.details_for = details_for
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, message: Outgoing) -> SendResult:
        details = _prepare(self.details_for, message)
        mail = self.composer.compose(message, details)
        self._transmit(mail, message.recipient)
        return SendResult(external_id=local_id(details.message_id), status="sent")

    def find_sent(self, message: Outgoing, is_recorded) -> SendResult | None:
        # SMTP cannot be asked what it received. A resend carries the same Message-ID,
        # by which the recipient's mail system (and person) can recognise a duplicate.
        return None

    def _transmit(self, mail: EmailMessage, recipient: str) -> None:
        c = self.config
        smtp = None
        try:
            if c.security == "tls":
                smtp = _SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self.tls_context)
            else:
                smtp = _SMTP(c.host, c.port, timeout=c.timeout)
                if c.security == "starttls":
                    smtp.starttls(context=self.tls_context)
            if c.user:
                smtp.login(c.user, c.password)
            smtp.send_message(mail, from_addr=self.composer.envelope_from, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise classify(code, text) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: retried while someone fixes them.
            raise RetryableSendError(f"SMTP login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            raise classify(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timeout, TLS …
            if smtp is not None and smtp.data_started:
                raise AmbiguousSendError(f"connection lost during DATA: {exc}") from exc
            raise RetryableSendError(f"SMTP {c.host}:{c.port} unreachable: {exc}") from exc
        finally:
            if smtp is not None:
                _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _prepare(details_for: DetailsFor, message: Outgoing) -> EmailDetails:
    try:
        return details_for(message)
    except (PermanentSendError, RetryableSendError):
        raise
    except Exception as exc:  # database down, a document that failed to render …
        log.exception("e-mail %s could not be prepared", message.id)
        raise RetryableSendError(f"could not prepare the e-mail: {type(exc).__name__}") from exc


# -- no SMTP: files -------------------------------------------------------------------
class FileDropEmailSender:
    """The embedded default: each mail is an .eml file under the var dir, named by its
    Message-ID, written atomically, so a resend replaces the file instead of adding one."""

    channel = "email"

    def __init__(self, directory: Path, composer: EmailComposer, details_for: DetailsFor):
        self.directory = Path(directory)
        self.composer = composer
        self.details_for = details_for

    def path_for(self, message_id: str) -> Path:
        name = re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip("<>"))
        return self.directory / f"{name}.eml"

    def send(self, message: Outgoing) -> SendResult:
        details = _prepare(self.details_for, message)
        data = self.composer.compose(message, details).as_bytes()
        target = self.path_for(details.message_id)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise RetryableSendError(f"could not write {target}: {exc}") from exc
        log.info("e-mail %s written to %s", message.id, target)
        return SendResult(external_id=local_id(details.message_id), status="local")

    def find_sent(self, message: Outgoing, is_recorded) -> SendResult | None:
        return None
