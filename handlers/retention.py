"""Attendants' JSON API for retention cases (bearer token of an attendant, as
handlers/attendants.py): import cases (the seed-001 form as JSON), read one with its
contacts, record the outcome, the report as JSON or CSV."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from bot.flows.retention import cases, reports
from handlers import attendants
from storage.db import transaction
from storage.models import OutboundMessage, RetentionCase, RetentionContact

bp = Blueprint("retention", __name__, url_prefix="/api/retention")


def _rt():
    return current_app.extensions["planbot"]


# The attendants' bearer token, checked as the attendants' API checks it.
bp.before_request(attendants.authenticate)


@bp.post("/cases")
def import_cases():
    body = request.get_json(silent=True)
    if not isinstance(body, (dict, list)) or (isinstance(body, list) and not all(isinstance(i, dict) for i in body)):
        return jsonify(error="JSON body must be a case object or a list of them"), 400
    items = body if isinstance(body, list) else [body]
    with transaction(_rt().sessions) as s:
        created, errors = cases.import_items(s, _rt(), items)
        if errors:
            s.rollback()
            return jsonify(error="invalid cases", problems=errors), 422
        ids = [c.id for c in created]
    return jsonify(created=ids), 201


@bp.get("/cases/<int:case_id>")
def show_case(case_id: int):
    with transaction(_rt().sessions) as s:
        case = s.get(RetentionCase, case_id)
        if case is None:
            return jsonify(error="not found"), 404
        contacts = list(s.scalars(select(RetentionContact).where(RetentionContact.case_id == case_id)))
        ids = [c.outbound_id for c in contacts if c.outbound_id]
        outbound = {o.id: o.status for o in s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids)))}
        return jsonify(cases.describe(case, contacts, outbound))


@bp.post("/cases/<int:case_id>/outcome")
def record_outcome(case_id: int):
    body = request.get_json(silent=True) or {}
    try:
        end = date.fromisoformat(body["end_date"]) if body.get("end_date") else None
    except (TypeError, ValueError):
        return jsonify(error="end_date must be YYYY-MM-DD"), 400
    with transaction(_rt().sessions) as s:
        case = s.get(RetentionCase, case_id)
        if case is None:
            return jsonify(error="not found"), 404
        try:
            cases.close(s, case, str(body.get("outcome", "")), end_date=end, reason=body.get("reason"),
                        actions=body.get("actions"), justification=body.get("justification"),
                        kept_areas=body.get("kept_areas"))
        except cases.CaseError as exc:
            s.rollback()
            return jsonify(error=str(exc)), 422
        return jsonify(id=case.id, status=case.status, outcome=case.outcome,
                       closed_on=case.closed_on.isoformat())


@bp.get("/report")
def report():
    with transaction(_rt().sessions) as s:
        return jsonify(reports.summary(*reports.load(s)))


@bp.get("/report.csv")
def report_csv():
    with transaction(_rt().sessions) as s:
        body = reports.to_csv(*reports.load(s))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=retencao.csv", "Cache-Control": "private, no-store"})
