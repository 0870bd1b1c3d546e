"""The document-review page: complete cases (atualização cadastral, maioridade, troca de
titularidade) with each file shown inline through the attendants' recorded view, approved
or rejected with a reason from config/cases/review.yaml. Same rules as the API
(handlers/reviews.py): bot/flows/cases/review.py decides."""
from __future__ import annotations

from flask import Response, current_app, g, redirect, render_template, request, url_for

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
from bot.services.attachments.links import view_token
from storage.db import transaction
from storage.models import CaseDocument, DocumentCase

from .auth import requires
from .blueprint import bp

KINDS = {"registration": "Atualização cadastral", "maioridade": "Maioridade",
         "troca_titularidade": "Troca de titularidade"}


def _rt():
    return current_app.extensions["planbot"]


@bp.get("/casos")
@requires("attendant")
def cases():
    rt = _rt()
    with transaction(rt.sessions) as s:
        items = [review.describe(s, rt, c, g.viewer.attendant_id, with_links=False)
                 for c in review.queue(s)]
    return render_template("console/cases.html", cases=items, kinds=KINDS)


@bp.get("/casos/<int:case_id>")
@requires("attendant")
def case(case_id: int):
    rt = _rt()
    with transaction(rt.sessions) as s:
        row = s.get(DocumentCase, case_id)
        if row is None:
            return render_template("console/error.html", message="Caso não encontrado."), 404
        data = review.describe(s, rt, row, g.viewer.attendant_id, with_links=False,
                               with_ocr=True)
    return render_template("console/case.html", case=data, kinds=KINDS,
                           reasons=checklist.review_of(rt).reasons,
                           error=request.args.get("erro"))


@bp.get("/casos/<int:case_id>/arquivos/<int:document_id>")
@requires("attendant")
def case_file(case_id: int, document_id: int):
    """The file, inline, for the signed-in attendant; the view is recorded."""
    rt = _rt()
    try:
        with transaction(rt.sessions) as s:
            doc = s.get(CaseDocument, document_id)
            if doc is None or doc.case_id != case_id:
                return Response("não encontrado", status=404, mimetype="text/plain")
            token = view_token(rt.settings, doc.attachment_id, g.viewer.attendant_id)
            attachment, stream = open_for_attendant(s, store_from_settings(rt.settings),
                                                    rt.settings, token, g.viewer.attendant_id)
            mime = attachment.mime
    except ViewRefused:
        return Response("arquivo indisponível", status=404, mimetype="text/plain")
    except StoreUnavailable:
        return Response("armazenamento indisponível", status=503, mimetype="text/plain")
    with stream:
        body = stream.read()
    return Response(body, mimetype=mime, headers={"Content-Disposition": "inline",
                                                  "X-Robots-Tag": "noindex"})


@bp.post("/casos/<int:case_id>/documentos/<int:document_id>")
@requires("attendant")
def decide(case_id: int, document_id: int):
    rt = _rt()
    approve = request.form.get("decision") == "approve"
    try:
        with transaction(rt.sessions) as s:
            row = review.decide(s, rt, case_id, document_id, approve=approve,
                                attendant_id=g.viewer.attendant_id, resume=RESUME,
                                reason=request.form.get("reason") or None,
                                note=request.form.get("note"))
            conversation_id = row.conversation_id
    except review.ReviewError as exc:
        return redirect(url_for("console.case", case_id=case_id, erro=exc.code))
    except RegistryUnavailable:
        return redirect(url_for("console.case", case_id=case_id, erro="registry_unavailable"))
    if conversation_id:
        queueing.deliver_later(rt, conversation_id)
    return redirect(url_for("console.case", case_id=case_id))
