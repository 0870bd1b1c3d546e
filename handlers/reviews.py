"""The registration team's review queue, in the attendants' JSON API style (Bearer token):
complete document cases, each document opened through an authenticated, expiring and
recorded link, approved or rejected with a reason from config/cases/review.yaml.

GET  /api/attendant/cases                         the queue (cases in review, oldest deadline first)
GET  /api/attendant/cases/<id>                    one case with its documents and view links
POST /api/attendant/cases/<id>/documents/<doc>    {"decision": "approve"} or
                                                  {"decision": "reject", "reason": "...", "note": "..."}
GET  /api/attendant/cases/reasons                 the rejection reasons
GET  /attachments/<token>                         the file itself (same Bearer token as the link's)
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, jsonify, request

from bot.flows.cases import checklist, review
from bot.flows.documents.flow import RESUME
from bot.platform import queueing
from bot.registry.base import RegistryUnavailable
from bot.services.attachments import (
    StoreUnavailable,
    ViewRefused,
    open_for_attendant,
    store_from_settings,
)
from bot.services.attachments.links import download_name
from handlers import attendants
from storage.db import transaction
from storage.models import DocumentCase

bp = Blueprint("reviews", __name__)
PREFIX = "/api/attendant/cases"


def _rt():
    return current_app.extensions["planbot"]


# The attendants' bearer token, checked as the attendants' API checks it.
bp.before_request(attendants.authenticate)


@bp.get(PREFIX)
def list_cases():
    rt = _rt()
    with transaction(rt.sessions) as s:
        items = [review.describe(s, rt, c, g.attendant.id, with_links=False) for c in review.queue(s)]
    return jsonify(cases=items)


@bp.get(f"{PREFIX}/reasons")
def reasons():
    return jsonify(reasons=checklist.review_of(_rt()).reasons)


@bp.get(f"{PREFIX}/<int:case_id>")
def show_case(case_id: int):
    rt = _rt()
    with transaction(rt.sessions) as s:
        case = s.get(DocumentCase, case_id)
        if case is None:
            return jsonify(error="case_not_found"), 404
        return jsonify(review.describe(s, rt, case, g.attendant.id))


@bp.post(f"{PREFIX}/<int:case_id>/documents/<int:document_id>")
def decide(case_id: int, document_id: int):
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("decision") not in ("approve", "reject"):
        return jsonify(error='JSON body {"decision": "approve"|"reject", "reason": "...", '
                             '"note": "..."} is required'), 400
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        return jsonify(error='"note" must be a string'), 400
    rt = _rt()
    try:
        with transaction(rt.sessions) as s:
            case = review.decide(s, rt, case_id, document_id,
                                 approve=body["decision"] == "approve",
                                 reason=body.get("reason"), note=note,
                                 attendant_id=g.attendant.id, resume=RESUME)
            result = review.describe(s, rt, case, g.attendant.id)
            conversation_id = case.conversation_id
    except review.ReviewError as exc:
        return jsonify(error=exc.code), exc.status
    except RegistryUnavailable:
        # Nothing was recorded (one transaction): the reviewer tries again.
        return jsonify(error="registry_unavailable"), 503
    if conversation_id:
        queueing.deliver_later(rt, conversation_id)
    return jsonify(result)


@bp.get("/attachments/<token>")
def view(token: str):
    rt = _rt()
    try:
        with transaction(rt.sessions) as s:
            attachment, stream = open_for_attendant(s, store_from_settings(rt.settings),
                                                    rt.settings, token, g.attendant.id)
            mime, name = attachment.mime, download_name(attachment)
    except ViewRefused as exc:
        return jsonify(error=exc.reason), 403 if exc.reason == "other_attendant" else 404
    except StoreUnavailable:
        return jsonify(error="store_unavailable"), 503
    with stream:
        body = stream.read()
    return Response(body, mimetype=mime, headers={
        "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
        "Content-Disposition": f'inline; filename="{name}"'})
