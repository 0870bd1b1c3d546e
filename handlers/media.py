"""Serves the documents we send (bills) behind signed, expiring URLs."""
from __future__ import annotations

from flask import Blueprint, Response, current_app

from bot.services import documents
from bot.services.media_links import verify

bp = Blueprint("media", __name__)


@bp.get("/media/<token>/<filename>")
def media(token: str, filename: str):
    rt = current_app.extensions["planbot"]
    item = verify(rt.settings, token)
    if item is None:
        return Response("link expired or invalid\n", status=404, mimetype="text/plain")
    body = documents.render(rt, item)
    if body is None:
        return Response("document not found\n", status=404, mimetype="text/plain")
    return Response(body, mimetype="application/pdf", headers={
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'inline; filename="{filename}"',
        "X-Robots-Tag": "noindex",
    })
