"""Who may post mail to us: the inbound service, proven by a shared secret.

Two proofs, each checked when configured (both when both are): HTTP basic auth (the
user and password written in the webhook URL SendGrid/Mailgun/Postfix call), and a
Mailgun-style signature, HMAC-SHA256 of timestamp + token, no older than MAX_AGE.
Comparisons are constant-time: a timing difference must not reveal the secret.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

MAX_AGE_SECONDS = 300
# Where the signature travels: Mailgun's form fields, or these headers for a raw post.
SIGNATURE_HEADERS = ("X-Webhook-Timestamp", "X-Webhook-Token", "X-Webhook-Signature")


@dataclass(frozen=True)
class Refusal:
    status: int  # 401 (no or wrong credentials: ask for them) or 403
    reason: str


def check_basic(authorization: str | None, user: str, password: str) -> Refusal | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return Refusal(401, "HTTP basic authentication is required")
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return Refusal(401, "malformed HTTP basic credentials")
    given_user, _, given_password = decoded.partition(b":")
    # Both compared, always: stopping at a wrong user would time the user name.
    user_ok = hmac.compare_digest(given_user, user.encode())
    password_ok = hmac.compare_digest(given_password, password.encode())
    if not (user_ok and password_ok):
        return Refusal(401, "wrong webhook user or password")
    return None


def sign(key: str, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def check_signature(key: str, timestamp: str | None, token: str | None,
                    signature: str | None, now: float,
                    max_age: int = MAX_AGE_SECONDS) -> Refusal | None:
    if not (timestamp and token and signature):
        return Refusal(403, "timestamp, token and signature are required")
    try:
        age = now - int(timestamp)
    except ValueError:
        return Refusal(403, "timestamp must be seconds since the epoch")
    if not hmac.compare_digest(sign(key, timestamp, token), signature.strip().lower()):
        return Refusal(403, "invalid signature")
    if abs(age) > max_age:
        # Checked after the signature: a forged request learns nothing about the clock.
        return Refusal(403, f"signature older than {max_age} s (replayed or clock skew)")
    return None


def authenticate(settings, authorization: str | None, signed: dict,
                 now: float) -> Refusal | None:
    """`signed`: timestamp, token, signature as posted (form fields or headers)."""
    user, password = settings.email_webhook_user, settings.email_webhook_password
    key = settings.email_webhook_signing_key
    if not (user or key):
        return Refusal(403, "e-mail webhook authentication is not configured "
                            "(EMAIL_WEBHOOK_USER/EMAIL_WEBHOOK_PASSWORD or "
                            "EMAIL_WEBHOOK_SIGNING_KEY)")
    if user:
        refusal = check_basic(authorization, user, password)
        if refusal:
            return refusal
    if key:
        return check_signature(key, signed.get("timestamp"), signed.get("token"),
                               signed.get("signature"), now)
    return None
