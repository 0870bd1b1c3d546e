"""The operator's push webhook: POST /webhooks/operator/guides (docs/api/operator-webhooks.md).

Authenticated by HMAC-SHA256 over "<timestamp>.<raw body>" with OPERATOR_WEBHOOK_SECRET
(header X-Operator-Signature: sha256=<hex>, X-Operator-Timestamp: Unix seconds); a
timestamp outside OPERATOR_WEBHOOK_WINDOW_SECONDS is refused (replay); the event id makes
a retried push harmless. Answers: 200 applied/duplicate/stale/unchanged, 404 unknown guide
(nothing stored), 400 malformed, 401 bad signature or timestamp, 503 not configured or
the registry unavailable (retry).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request

from bot.flows.guides import updates
from bot.platform import clock, queueing
from bot.registry.base import RegistryUnavailable
from storage.db import transaction

log = logging.getLogger(__name__)
bp = Blueprint("operator", __name__, url_prefix="/webhooks/operator")

SIGNATURE_HEADER = "X-Operator-Signature"
TIMESTAMP_HEADER = "X-Operator-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the operator sends in X-Operator-Signature."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _authentic(settings, body: bytes) -> str | None:
    """None when authentic, else the reason."""
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp.isdigit() or not given:
        return f"{TIMESTAMP_HEADER} (Unix seconds) and {SIGNATURE_HEADER} are required"
    if not hmac.compare_digest(given, signature(settings.operator_webhook_secret, timestamp, body)):
        return "signature does not match"
    now = clock.now().replace(tzinfo=timezone.utc).timestamp()
    if abs(now - int(timestamp)) > settings.operator_webhook_window_seconds:
        return "timestamp outside the accepted window (replayed or clock skew)"
    return None


def _change(body: bytes) -> updates.Change:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValueError("body must be JSON") from exc
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    for name in ("event_id", "guide_number", "status", "occurred_at"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise ValueError(f'"{name}" (string) is required')
    if len(data["event_id"]) > 120 or len(data["guide_number"]) > 30 or len(data["status"]) > 30:
        raise ValueError("event_id, guide_number or status too long")
    try:
        occurred = datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError('"occurred_at" must be an ISO 8601 date-time') from exc
    if occurred.tzinfo is not None:
        occurred = occurred.astimezone(timezone.utc).replace(tzinfo=None)
    extra = {k: data.get(k) for k in ("reason", "clause", "valid_until") if data.get(k)}
    if extra.get("valid_until"):
        try:
            datetime.fromisoformat(extra["valid_until"])
        except (TypeError, ValueError) as exc:
            raise ValueError('"valid_until" must be an ISO date') from exc
    return updates.Change(data["event_id"], data["guide_number"], data["status"], occurred,
                          "push", extra)


@bp.post("/guides")
def guide_changed():
    rt = current_app.extensions["planbot"]
    settings = rt.settings
    if not settings.operator_webhook_secret:
        return jsonify(error="OPERATOR_WEBHOOK_SECRET is not configured"), 503
    body = request.get_data(cache=True)
    problem = _authentic(settings, body)
    if problem:
        log.warning("operator webhook refused: %s", problem)
        return jsonify(error=problem), 401
    try:
        change = _change(body)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    try:
        with transaction(rt.sessions) as s:
            result, conversation_id = updates.apply(s, rt, change)
    except RegistryUnavailable:
        # The guide could not be looked up: nothing stored, the operator retries the push.
        return jsonify(error="operator registry unavailable; retry later"), 503
    if result == "unknown":
        log.warning("operator pushed event %s for unknown guide %s: ignored",
                    change.event_id, change.number)
        return jsonify(error="unknown guide", guide_number=change.number), 404
    if conversation_id is not None:
        queueing.deliver_later(rt, conversation_id)
    return jsonify(result=result, event_id=change.event_id)
