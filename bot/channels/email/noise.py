"""Mail no person wrote to us: auto-replies and bounces are never answered.

Answering an out-of-office with the menu starts a loop of two robots; answering a bounce
writes to an address that does not exist. Both are stored (nothing lost) and ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .inbound import ParsedEmail

AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(resposta autom[aá]tica|fora do escrit[oó]rio|aus[eê]ncia tempor[aá]ria|"
    r"aus[eê]ncia|automatic reply|auto[- ]?reply|out of (the )?office|autoreply)\b",
    re.IGNORECASE)
BULK_PRECEDENCE = {"bulk", "junk", "list"}
DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster"}
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([245]\d\d)\b")


@dataclass(frozen=True)
class Noise:
    kind: str  # "auto_reply" | "bounce"
    reason: str
    failed_recipient: str | None = None  # a bounce: the address that could not be reached
    status: str | None = None  # a bounce: DSN status (5.1.1) or, failing that, SMTP code
    diagnostic: str | None = None

    @property
    def permanent(self) -> bool:
        """A failed delivery (5.x.x), not a delay report (4.x.x, "Action: delayed")."""
        return self.kind == "bounce" and bool(self.status) and self.status.startswith("5")


def classify(mail: ParsedEmail) -> Noise | None:
    return _bounce(mail) or _auto_reply(mail)


def _auto_reply(mail: ParsedEmail) -> Noise | None:
    h = mail.headers
    auto_submitted = str(h.get("auto-submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":  # RFC 3834
        return Noise("auto_reply", f"Auto-Submitted: {auto_submitted}")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if name in h:
            return Noise("auto_reply", f"{name} header")
    precedence = str(h.get("precedence", "")).strip().lower()
    if precedence in BULK_PRECEDENCE:
        return Noise("auto_reply", f"Precedence: {precedence}")
    if AUTO_REPLY_SUBJECT.search(mail.subject or ""):
        return Noise("auto_reply", f"subject {mail.subject[:60]!r}")
    return None


def _bounce(mail: ParsedEmail) -> Noise | None:
    is_report = (mail.content_type == "multipart/report"
                 and mail.report_type.lower() == "delivery-status")
    from_daemon = mail.sender.split("@", 1)[0] in DAEMON_LOCAL_PARTS
    if not (is_report or mail.delivery_status or from_daemon):
        return None
    for block in mail.delivery_status:
        recipient = block.get("final-recipient") or block.get("original-recipient")
        if not recipient:
            continue  # the per-message block (Reporting-MTA …)
        action = block.get("action", "").strip().lower()
        diagnostic = block.get("diagnostic-code")
        status = _status(block.get("status", ""), diagnostic)
        return Noise("bounce", f"delivery-status: {action or 'no action'}",
                     failed_recipient=_address(recipient), status=status,
                     diagnostic=diagnostic)
    # A mailer-daemon's plain-text bounce (no DSN): Exim and others name the address.
    failed = str(mail.headers.get("x-failed-recipients", "")).strip() or None
    codes = _SMTP_CODE.search(mail.text or "")
    return Noise("bounce", "mailer-daemon" if from_daemon else "delivery report",
                 failed_recipient=failed.lower() if failed else None,
                 status=codes.group(1) if codes else None)


def _address(value: str) -> str:
    # "rfc822; maria@example.com" (RFC 3464 address-type; address)
    return value.split(";", 1)[-1].strip().strip("<>").lower()


def _status(status: str, diagnostic: str | None) -> str | None:
    found = _STATUS.search(status or "")
    if found:
        return found.group(1)
    code = _SMTP_CODE.search(diagnostic or "")
    return code.group(1) if code else None
