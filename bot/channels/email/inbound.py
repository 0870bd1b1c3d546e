"""Inbound e-mail as inbound-mail services post it, parsed by the standard library.

Three shapes reach POST /webhooks/email:
- SendGrid Inbound Parse, parsed: multipart/form-data with from, to, subject, text, html,
  headers, envelope, attachments + attachment-info + attachmentN files, charsets;
- the raw message ("send raw"): the same form with the whole MIME message in `email`
  (SendGrid) or `body-mime` (Mailgun);
- a body that is itself the message (Content-Type message/rfc822), as a Postfix pipe
  posts it with curl.

The form is read with the `email` package too (it is MIME): Werkzeug would decode every
field as UTF-8, and SendGrid says in `charsets` which fields are ISO-8859-1 or other.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.policy import default

from bot.channels.base import Attachment, Incoming

from .quotes import html_to_text, new_part

MAX_EXTERNAL_ID = 120  # inbound_messages.external_id
MAX_ATTACHMENTS = 20
RAW_FIELDS = ("email", "body-mime")
_MSG_ID = re.compile(r"<[^<>\s]+>")  # RFC 5322 msg-id; clients omit the spaces between


class MalformedEmail(ValueError):
    """The request is not an e-mail we can read; the message says why (answered 400)."""


@dataclass(frozen=True)
class EmailAttachment:
    """An attached file as it came (checked and stored by the attachments service)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    sender: str  # lower-case addr-spec of From
    sender_name: str
    recipients: tuple[str, ...]  # envelope recipients (else To and Cc), lower-case
    subject: str
    message_id: str  # as written, "<…>"; "" when the mail has none
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str  # the whole plain body (HTML-only mail converted)
    headers: EmailMessage  # the message's headers, for noise.classify
    fingerprint: str  # sha256 of what was posted: the id of a mail with no Message-ID
    content_type: str = "text/plain"
    report_type: str = ""
    delivery_status: tuple[dict, ...] = ()  # one dict per recipient block of a DSN
    attachments: tuple[EmailAttachment, ...] = field(default=())

    @property
    def recipient(self) -> str:
        return self.recipients[0] if self.recipients else ""

    @property
    def new_text(self) -> str:
        return new_part(self.text)

    @property
    def external_id(self) -> str:
        """Message-ID dedups a retried POST; too long for the column, or missing, the
        digest of the message stands in (the same retry has the same digest)."""
        if self.message_id and len(self.message_id) <= MAX_EXTERNAL_ID:
            return self.message_id
        return "sha256:" + self.fingerprint


# -- entry point ----------------------------------------------------------------------
@dataclass(frozen=True)
class Posted:
    """The request as read, before any mail is parsed (the signature is checked first)."""

    body: bytes
    is_message: bool  # the body is the mail itself (message/rfc822)
    fields: dict
    files: dict
    field_bytes: dict = field(default_factory=dict)  # undecoded: the raw MIME field


def read_request(content_type: str, body: bytes) -> Posted:
    if not body:
        raise MalformedEmail("the request has no body")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "message/rfc822":
        return Posted(body, True, {}, {})
    if kind != "multipart/form-data":
        raise MalformedEmail("expected multipart/form-data (SendGrid/Mailgun) or "
                             f"message/rfc822, not {kind or 'no Content-Type'}")
    fields, files, field_bytes = read_form(content_type, body)
    return Posted(body, False, fields, files, field_bytes)


def parse_posted(posted: Posted) -> ParsedEmail:
    if posted.is_message:
        return parse_raw(posted.body)
    for name in RAW_FIELDS:
        if name in posted.files:
            return parse_raw(posted.files[name][0].data)
        if name in posted.field_bytes:  # bytes as sent: the MIME says its own charsets
            return parse_raw(posted.field_bytes[name])
    return parse_sendgrid(posted.fields, posted.files, posted.body)


# -- multipart/form-data --------------------------------------------------------------
def read_form(content_type: str, body: bytes) -> tuple[dict, dict, dict]:
    """Text fields (decoded with SendGrid's `charsets`), files and the fields' bytes."""
    envelope = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    form = BytesParser(policy=default).parsebytes(envelope + body)
    if not form.is_multipart() or not form.get_boundary():
        raise MalformedEmail("multipart/form-data without a boundary or parts")
    raw_fields: dict[str, bytes] = {}
    files: dict[str, list[EmailAttachment]] = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files.setdefault(name, []).append(EmailAttachment(
                filename=filename, content_type=part.get_content_type(), data=data))
        else:
            raw_fields[name] = data
    charsets = _json(raw_fields.get("charsets", b"").decode("utf-8", "replace"), "charsets")
    fields = {name: _decode(data, charsets.get(name) if isinstance(charsets, dict) else None)
              for name, data in raw_fields.items()}
    return fields, files, raw_fields


def _decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return data.decode("utf-8", "replace")


def _json(value: str, name: str):
    if not value:
        return {}
    try:
        return json.loads(value)
    except ValueError as exc:
        raise MalformedEmail(f"{name} is not JSON") from exc


# -- SendGrid parsed ------------------------------------------------------------------
def parse_sendgrid(fields: dict[str, str], files: dict[str, list], body: bytes) -> ParsedEmail:
    headers = BytesHeaderParser(policy=default).parsebytes(
        fields.get("headers", "").encode("utf-8", "surrogateescape"))
    from_value = fields.get("from") or str(headers.get("from", ""))
    if not from_value:
        raise MalformedEmail("from is required")
    envelope = _json(fields.get("envelope", ""), "envelope")
    text = fields.get("text", "")
    if not text.strip() and fields.get("html", "").strip():
        text = html_to_text(fields["html"])
    attachments = _sendgrid_attachments(fields, files)
    content_type = headers.get_content_type() if "content-type" in headers else "text/plain"
    delivery_status: tuple[dict, ...] = ()
    for item in attachments:
        if item.content_type == "message/delivery-status":
            delivery_status = _dsn_blocks(item.data)
    sender_name, sender = _single_address(from_value, "from")
    return ParsedEmail(
        sender=sender, sender_name=sender_name,
        recipients=_recipients(envelope.get("to") if isinstance(envelope, dict) else None,
                               fields.get("to") or str(headers.get("to", "")),
                               fields.get("cc", "")),
        subject=fields.get("subject") or str(headers.get("subject", "")),
        message_id=_one_id(headers.get("message-id")),
        in_reply_to=_ids(headers.get("in-reply-to")),
        references=_ids(headers.get("references")),
        text=text, headers=headers, fingerprint=hashlib.sha256(body).hexdigest(),
        content_type=content_type, report_type=str(headers.get_param("report-type", "") or ""),
        delivery_status=delivery_status,
        attachments=tuple(a for a in attachments if a.content_type != "message/delivery-status"),
    )


def _sendgrid_attachments(fields: dict[str, str], files: dict[str, list]) -> list[EmailAttachment]:
    info = _json(fields.get("attachment-info", ""), "attachment-info")
    try:
        count = int(fields.get("attachments", "0") or 0)
    except ValueError as exc:
        raise MalformedEmail("attachments must be a whole number") from exc
    if not 0 <= count <= MAX_ATTACHMENTS:
        raise MalformedEmail(f"attachments must be between 0 and {MAX_ATTACHMENTS}")
    found = []
    for i in range(1, count + 1):
        name = f"attachment{i}"
        if name not in files:
            raise MalformedEmail(f"attachments is {count} but {name} is missing")
        upload = files[name][0]
        described = info.get(name, {}) if isinstance(info, dict) else {}
        found.append(EmailAttachment(
            filename=described.get("filename") or upload.filename or name,
            content_type=(described.get("type") or upload.content_type).lower(),
            data=upload.data,
        ))
    return found


# -- raw MIME -------------------------------------------------------------------------
def parse_raw(raw: bytes) -> ParsedEmail:
    message = BytesParser(policy=default).parsebytes(raw)
    if "from" not in message:
        raise MalformedEmail("the message has no From header")
    sender_name, sender = _single_address(str(message["from"]), "From")
    text = _body_text(message)
    delivery_status: tuple[dict, ...] = ()
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            delivery_status = tuple(
                {k.lower(): str(v) for k, v in block.items()}
                for block in part.get_payload() if len(block))
    return ParsedEmail(
        sender=sender, sender_name=sender_name,
        recipients=_recipients(None, str(message.get("to", "")), str(message.get("cc", ""))),
        subject=str(message.get("subject", "")),
        message_id=_one_id(message.get("message-id")),
        in_reply_to=_ids(message.get("in-reply-to")),
        references=_ids(message.get("references")),
        text=text, headers=message, fingerprint=hashlib.sha256(raw).hexdigest(),
        content_type=message.get_content_type(),
        report_type=str(message.get_param("report-type", "") or ""),
        delivery_status=delivery_status,
        attachments=tuple(_raw_attachments(message)),
    )


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def _raw_attachments(message: EmailMessage) -> list[EmailAttachment]:
    found = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        filename = part.get_filename()
        if part.get_content_disposition() != "attachment" and not filename:
            continue  # a body part, or an inline part with no name (signature logo …)
        found.append(EmailAttachment(
            filename=filename or "anexo", content_type=part.get_content_type(),
            data=part.get_payload(decode=True) or b""))
        if len(found) > MAX_ATTACHMENTS:
            raise MalformedEmail(f"more than {MAX_ATTACHMENTS} attachments")
    return found


def _dsn_blocks(data: bytes) -> tuple[dict, ...]:
    """message/delivery-status: header blocks separated by blank lines (RFC 3464)."""
    text = data.replace(b"\r\n", b"\n")
    blocks = []
    for chunk in text.split(b"\n\n"):
        if chunk.strip():
            parsed = BytesHeaderParser(policy=default).parsebytes(chunk + b"\n")
            blocks.append({k.lower(): str(v) for k, v in parsed.items()})
    return tuple(blocks)


# -- addresses and ids ----------------------------------------------------------------
def _single_address(value: str, name: str) -> tuple[str, str]:
    header = default.header_factory("from", value)
    addresses = [a for a in header.addresses if a.username and a.domain]
    if not addresses:
        raise MalformedEmail(f"{name} is not an e-mail address")
    return addresses[0].display_name, addresses[0].addr_spec.lower()


def _addresses(value: str) -> list[str]:
    if not value:
        return []
    header = default.header_factory("to", value)
    return [a.addr_spec.lower() for a in header.addresses if a.username and a.domain]


def _recipients(envelope_to, to: str, cc: str) -> tuple[str, ...]:
    if isinstance(envelope_to, list) and envelope_to:
        found = [a for value in envelope_to for a in _addresses(str(value))]
    else:
        found = _addresses(to) + _addresses(cc)
    return tuple(dict.fromkeys(found))


def _ids(header) -> tuple[str, ...]:
    """Message-IDs of In-Reply-To/References: the msg-id tokens, in order."""
    if header is None:
        return ()
    return tuple(dict.fromkeys(_MSG_ID.findall(str(header))))


def _one_id(header) -> str:
    ids = _ids(header)
    return ids[0] if ids else ""


# -- to the channel boundary ----------------------------------------------------------
def to_incoming(parsed: ParsedEmail, attachments: tuple[Attachment, ...] = ()) -> Incoming:
    return Incoming(
        channel="email", sender=parsed.sender, recipient=parsed.recipient,
        text=parsed.new_text, external_id=parsed.external_id, attachments=attachments,
        profile_name=parsed.sender_name or None,
        raw={
            "subject": parsed.subject, "message_id": parsed.message_id,
            "in_reply_to": list(parsed.in_reply_to), "references": list(parsed.references),
            "recipients": list(parsed.recipients),
        },
    )
