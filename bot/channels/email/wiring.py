"""The e-mail sender as the runtime builds it: SMTP when configured, else .eml files.

Documents (boletos) are rendered by a function the runtime passes in: the channel does
not import the services layer beside it.
"""
from __future__ import annotations

from email.policy import default
from pathlib import Path
from typing import Callable

from bot.channels.base import Outgoing, PermanentSendError
from bot.language.formatting import brdate
from bot.platform.config import EMBEDDED_EMAIL_FROM
from storage.db import transaction
from storage.models import EmailBounce, OutboundMessage

from . import threads
from .inbound import EmailAttachment
from .sender import (
    EmailComposer,
    EmailDetails,
    FileDropEmailSender,
    SmtpConfig,
    SmtpEmailSender,
)

RenderDocument = Callable[[dict], "bytes | None"]


def from_address(settings) -> str:
    value = settings.email_from or EMBEDDED_EMAIL_FROM
    header = default.header_factory("from", value)
    if header.addresses[0].display_name:
        return value
    return str(default.header_factory("from", f'"{settings.operator_name}" <{value}>'))


def mail_domain(settings) -> str:
    return default.header_factory("from", from_address(settings)).addresses[0].domain


def composer_for(settings) -> EmailComposer:
    return EmailComposer(from_address=from_address(settings), reply_to=settings.email_reply_to,
                         operator=settings.operator_name, phone=settings.operator_phone_display)


class OutboxEmailDetails:
    """Reads the outbox row the sender is given: its thread headers (recorded once, in
    email_sent) and its documents, rendered as attachments."""

    def __init__(self, settings, sessions, render_document: RenderDocument):
        self.settings = settings
        self.sessions = sessions
        self.render_document = render_document

    def __call__(self, message: Outgoing) -> EmailDetails:
        s = self.settings
        with transaction(self.sessions) as session:
            row = session.get(OutboundMessage, message.id)
            bounce = session.get(EmailBounce, row.recipient.lower())
            if bounce is not None:
                raise PermanentSendError("bounced", (
                    f"address undeliverable since {brdate(bounce.bounced_at)} "
                    f"(bounce {bounce.status}: {bounce.diagnostic or 'no diagnostic'})"))
            record = threads.record_for(session, row, s.secret_key, mail_domain(s),
                                        s.operator_name)
            details = dict(message_id=record.message_id, subject=record.subject,
                           in_reply_to=record.in_reply_to, references=record.references,
                           automatic=row.author != "attendant")
            media = list(row.media or [])
        return EmailDetails(attachments=tuple(self._attachment(item) for item in media),
                            **details)

    def _attachment(self, item: dict) -> EmailAttachment:
        data = self.render_document(item)
        if data is None:
            raise PermanentSendError("document", f"document {item.get('kind')} "
                                                 f"{item.get('ref')} no longer exists")
        return EmailAttachment(filename=item.get("filename") or f"{item['kind']}.pdf",
                               content_type=item.get("content_type") or "application/pdf",
                               data=data)


def build_sender(settings, sessions, render_document: RenderDocument, var_dir: Path):
    details = OutboxEmailDetails(settings, sessions, render_document)
    composer = composer_for(settings)
    if settings.smtp_host:
        return SmtpEmailSender(SmtpConfig.from_settings(settings), composer, details)
    return FileDropEmailSender(Path(var_dir) / "mail", composer, details)
