"""Webhook authentication: basic auth and Mailgun-style signatures."""
from __future__ import annotations

import base64

from bot.channels.email import auth


def _basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_accepts_only_the_configured_pair():
    assert auth.check_basic(_basic("sg", "pw"), "sg", "pw") is None
    assert auth.check_basic(_basic("sg", "wrong"), "sg", "pw").status == 401
    assert auth.check_basic(_basic("other", "pw"), "sg", "pw").status == 401
    assert auth.check_basic(None, "sg", "pw").status == 401
    assert auth.check_basic("Basic !!!", "sg", "pw").reason == "malformed HTTP basic credentials"


def test_signature_over_timestamp_and_token():
    key, now = "key-123", 1_800_000_000
    good = auth.sign(key, str(now), "tok")
    assert auth.check_signature(key, str(now), "tok", good, now) is None
    assert auth.check_signature(key, str(now), "tok2", good, now).reason == "invalid signature"
    assert auth.check_signature("other", str(now), "tok", good, now).status == 403
    assert auth.check_signature(key, str(now), "tok", None, now).status == 403


def test_an_old_signature_is_refused_as_a_replay():
    key, then = "key-123", 1_800_000_000
    signature = auth.sign(key, str(then), "tok")
    refusal = auth.check_signature(key, str(then), "tok", signature, then + 301)
    assert refusal is not None and "older than 300 s" in refusal.reason


def test_nothing_configured_refuses_everything():
    class Unconfigured:
        email_webhook_user = email_webhook_password = email_webhook_signing_key = ""

    assert auth.authenticate(Unconfigured(), _basic("a", "b"), {}, 0).status == 403
