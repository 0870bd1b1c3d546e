"""The console's document-review page: the queue of complete cases, each file inline for
the signed-in attendant (view recorded), approve or reject with a reason."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import AttachmentView, DocumentCase
from tests.conftest import MARIA, drain
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes

from .support import make_user, post, sign_in


def _name_case(wa):
    wa.say(MARIA, "casei e mudei de nome")
    wa.say(MARIA, "116")
    wa.say(MARIA, "Maria Aparecida da Silva Souza")
    wa.say(MARIA, "2")
    wa.say(MARIA, "10/10/2026")
    wa.say(MARIA, "sim")
    send_files(wa, MARIA, [image_bytes()])


def test_a_reviewer_sees_the_file_inline_and_rejects_it_with_a_reason(app, rt, wa, files_dir):
    _name_case(wa)
    make_user(rt, "ana@op.com.br", "Ana")
    ana = app.test_client()
    sign_in(ana, "ana@op.com.br")
    listing = ana.get("/console/casos").get_data(as_text=True)
    with transaction(rt.sessions) as s:
        case = s.scalars(select(DocumentCase)).one()
        case_id, protocol = case.id, case.protocol
    assert protocol in listing and "Atualização cadastral" in listing and "116.764.967-26" not in listing
    page = ana.get(f"/console/casos/{case_id}").get_data(as_text=True)
    assert "certidão de casamento ou averbação" in page and "<img" in page
    doc_id = int(page.split("/documentos/")[1].split('"')[0])
    image = ana.get(f"/console/casos/{case_id}/arquivos/{doc_id}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    with transaction(rt.sessions) as s:
        assert len(list(s.scalars(select(AttachmentView)))) == 1
    assert app.test_client().get(f"/console/casos/{case_id}/arquivos/{doc_id}").status_code == 302
    page_path = f"/console/casos/{case_id}"
    refused = post(ana, f"/console/casos/{case_id}/documentos/{doc_id}",
                   {"decision": "reject", "reason": ""}, page=page_path)
    assert "erro=reason_required" in refused.headers["Location"]
    post(ana, f"/console/casos/{case_id}/documentos/{doc_id}",
         {"decision": "reject", "reason": "illegible", "note": "foto tremida"}, page=page_path)
    drain(rt)
    told = wa.twilio.bodies_to(MARIA)[-1]
    assert "*certidão de casamento ou averbação*: o documento está ilegível" in told and "foto tremida" in told
    assert "Recusado" in ana.get(page_path).get_data(as_text=True)


FAKE_TESSERACT = """#!/bin/sh
if [ "$1" = "--list-langs" ]; then printf 'List of available languages (2):\\neng\\npor\\n'; exit 0; fi
cat > /dev/null
printf 'REPUBLICA FEDERATIVA DO BRASIL\\nNOME\\nMARIA APARECIDA DA SILVA\\nCPF 116.764.967-26\\n'
"""


def test_with_ocr_the_cpf_and_name_read_are_shown_and_a_mismatch_flagged(app, rt, wa, files_dir,
                                                                          tmp_path, monkeypatch):
    from bot.services import ocr

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "tesseract"
    script.write_text(FAKE_TESSERACT)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    ocr.available.cache_clear()
    try:
        wa.say(MARIA, "maioridade")
        wa.say(MARIA, "116")
        wa.say(MARIA, "João")
        for seed, caption in enumerate(("RG", "CPF", "matrícula", "frequência")):
            send_files(wa, MARIA, [image_bytes(seed=seed)], text=caption)
        make_user(rt, "ana@op.com.br", "Ana")
        ana = app.test_client()
        sign_in(ana, "ana@op.com.br")
        with transaction(rt.sessions) as s:
            case_id = s.scalars(select(DocumentCase)).one().id
        page = ana.get(f"/console/casos/{case_id}").get_data(as_text=True)
        assert "Leitura automática (OCR): nome MARIA APARECIDA DA SILVA" in page
        assert "***.***.*67-26" in page and "116.764.967-26" not in page
        assert "não confere com o cadastro (João Pedro da Silva" in page
    finally:
        ocr.available.cache_clear()


def test_a_proof_of_address_shows_its_age_limit_to_the_reviewer(app, rt, wa, files_dir):
    wa.say(MARIA, "quero atualizar meu endereço")
    wa.say(MARIA, "116")
    wa.say(MARIA, "79002-000")
    wa.say(MARIA, "Rua das Flores, 123, Centro, Campo Grande/MS")
    wa.say(MARIA, "sim")
    send_files(wa, MARIA, [image_bytes()])
    make_user(rt, "ana@op.com.br", "Ana")
    ana = app.test_client()
    sign_in(ana, "ana@op.com.br")
    with transaction(rt.sessions) as s:
        case_id = s.scalars(select(DocumentCase)).one().id
    page = ana.get(f"/console/casos/{case_id}").get_data(as_text=True)
    assert "emitido há no máximo 90 dias (recebido em 24/11/2026 09:00)" in page
