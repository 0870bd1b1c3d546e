"""Small authenticated JSON API for attendants (the web console comes later)."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from bot.engine import attendants as handoff
from bot.flows.negotiation.campaign import start_negotiation_campaign
from bot.platform import queueing
from storage.db import transaction
from storage.models import EmailBounce

bp = Blueprint("attendants", __name__, url_prefix="/api/attendant")


def _rt():
    return current_app.extensions["planbot"]


# Errors of the API are JSON like its answers, also those raised before any of its views
# runs (unknown path, wrong method, body too large: a blueprint's own error handlers do not
# see them) and unexpected failures (logged by Flask as usual; the client gets no detail).
_ERRORS = {404: "not found", 405: "method not allowed", 413: "request body too large",
           500: "internal error"}


def _in_api() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


@bp.record_once
def _json_errors(state) -> None:
    app = state.app

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not _in_api():
            return exc
        response = jsonify(error=_ERRORS.get(exc.code, (exc.name or "error").lower()))
        response.status_code = exc.code or 500
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(exc: InternalServerError):
        if not _in_api():
            return exc
        return jsonify(error=_ERRORS[500]), 500


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    with transaction(_rt().sessions) as s:
        attendant = handoff.attendant_for_token(s, token)
    if attendant is None:
        return jsonify(error="a valid attendant token is required (Authorization: Bearer …)"), 401
    g.attendant = attendant


def _summary(session, c, with_transcript=True) -> dict:
    data = {
        "id": c.id, "channel": c.channel, "address": c.address, "handoff": c.handoff,
        "reason": c.handoff_reason, "attendant_id": c.attendant_id,
        "beneficiary_ref": c.beneficiary_ref, "flow": c.flow,
        "escalated_at": c.escalated_at.isoformat() if c.escalated_at else None,
        "protocol": (c.data or {}).get("protocol"),
        # Cases the team owes on this conversation (e.g. an ANS guarantee whose person went
        # back to the bot): listed here until an attendant settles them.
        "open_cases": [{"protocol": p.number, "journey": p.journey,
                        "since": p.updated_at.isoformat(), "details": p.details or {}}
                       for p in handoff.open_cases(session, c)],
    }
    if c.channel == "email":
        # A bounce said the address cannot receive mail: replies to it are not sent.
        bounce = session.get(EmailBounce, c.address)
        data["email_undeliverable"] = None if bounce is None else {
            "since": bounce.bounced_at.isoformat(), "status": bounce.status,
            "diagnostic": bounce.diagnostic}
    if with_transcript:
        data["transcript"] = handoff.transcript(session, c)
    return data


def _optional_json_object() -> dict | None:
    """An empty body is {}; anything else must be a JSON object, whatever the
    Content-Type says. None when it is not: an unreadable body must never be taken for
    "no options" and act with the defaults (conclude a protocol, start a campaign)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:  # also UnicodeDecodeError
        return None
    return body if isinstance(body, dict) else None


@bp.get("/conversations")
def list_waiting():
    with transaction(_rt().sessions) as s:
        items = [_summary(s, c) for c in handoff.waiting(s, include_mine=g.attendant)]
    return jsonify(conversations=items)


def _act(action, conversation_id: int, *args, deliver: bool = False):
    rt = _rt()
    try:
        with transaction(rt.sessions) as s:
            c = action(s, g.attendant, conversation_id, *args)
            result = _summary(s, c)
    except handoff.HandoffError as exc:
        return jsonify(error=exc.reason), exc.status
    if deliver:
        queueing.deliver_later(rt, conversation_id)
    return jsonify(result)


@bp.post("/conversations/<int:conversation_id>/take")
def take(conversation_id: int):
    # Taking a conversation the bot owns tells the person: that message must go out.
    return _act(handoff.take, conversation_id, _rt().settings, deliver=True)


@bp.post("/conversations/<int:conversation_id>/reply")
def reply(conversation_id: int):
    body = _optional_json_object()  # read as JSON whatever the Content-Type (curl -d)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return jsonify(error='JSON body {"text": "..."} is required'), 400
    return _act(handoff.reply, conversation_id, body["text"], deliver=True)


@bp.post("/conversations/<int:conversation_id>/release")
def release(conversation_id: int):
    # Optional body {"resolved": false, "note": "..."}; without one the request is resolved.
    body = _optional_json_object()
    if body is None:
        return jsonify(error='JSON body {"resolved": true|false, "note": "..."} expected'), 400
    resolved, note = body.get("resolved", True), body.get("note")
    if not isinstance(resolved, bool) or not (note is None or isinstance(note, str)):
        return jsonify(error='"resolved" must be true or false and "note" a string'), 400
    return _act(handoff.release, conversation_id, resolved, note, deliver=True)


@bp.post("/campaigns/negotiation")
def negotiation_campaign():
    body = _optional_json_object()
    if body is None:
        return jsonify(error='JSON body {"rate": 1, "limit": N} expected'), 400
    rate, limit = body.get("rate", 1), body.get("limit")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        return jsonify(error='"rate" must be a number (messages per second)'), 400
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        # 0 or a negative number would be read as "no limit" / "all but the last ones"
        return jsonify(error='"limit" must be a whole number of at least 1, or null'), 400
    try:
        result = start_negotiation_campaign(_rt(), rate=float(rate), limit=limit,
                                            started_by=f"attendant:{g.attendant.id}")
    except ValueError as exc:  # CampaignError is a ValueError
        return jsonify(error=str(exc)), 400
    return jsonify(result), 202
