"""Signed pushes from the operator, as its system would send them."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import timezone

import pytest

from bot.platform import clock
from handlers.operator import signature

SECRET = "segredo-compartilhado-com-a-operadora"
TEMPLATE_SID = "HX" + "1" * 32


@pytest.fixture
def settings(settings):
    return replace(settings, operator_webhook_secret=SECRET, content_guide_sid=TEMPLATE_SID)


def push(client, payload: dict, *, timestamp: int | None = None, secret: str = SECRET):
    body = json.dumps(payload).encode()
    ts = str(timestamp if timestamp is not None
             else int(clock.now().replace(tzinfo=timezone.utc).timestamp()))
    return client.post("/webhooks/operator/guides", data=body, content_type="application/json",
                       headers={"X-Operator-Timestamp": ts,
                                "X-Operator-Signature": signature(secret, ts, body)})
