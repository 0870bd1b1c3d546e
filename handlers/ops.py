"""Operations endpoints: /healthz (the process answers), /readyz (database and Redis
reachable), /metrics (Prometheus; bearer METRICS_TOKEN, off without it)."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request

from bot.pipeline.health import PipelineCollector, readiness
from bot.platform import metrics

bp = Blueprint("ops", __name__)


def _runtime():
    return current_app.extensions["planbot"]


@bp.get("/healthz")
def health():
    return jsonify(status="ok")


@bp.get("/readyz")
def ready():
    checks = readiness(_runtime())
    ok = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ok else "unavailable", **checks), 200 if ok else 503


@bp.get("/metrics")
def prometheus_metrics():
    token = _runtime().settings.metrics_token
    if not token:
        return Response("metrics are off (METRICS_TOKEN)\n", status=404, mimetype="text/plain")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return Response("a bearer token is required\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    body = metrics.exposition([PipelineCollector(_runtime())])
    return Response(body, content_type=metrics.CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})
