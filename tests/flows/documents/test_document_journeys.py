"""Maioridade over three days with reminders, and troca de titularidade with the form the
bot generates, through the signed webhook."""
from __future__ import annotations

import dataclasses
import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from bot.pipeline import sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import CaseDocument, Conversation, DocumentCase, OutboundMessage, Protocol
from tests.conftest import MARIA, drain
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes, pdf_bytes

CASE_TEMPLATE = "HX" + "d" * 32


def _templates(rt, files_dir):  # noqa: ARG001 — the store must be in place first
    rt.settings = dataclasses.replace(rt.settings, content_case_sid=CASE_TEMPLATE)


def _notices(rt) -> list[OutboundMessage]:
    """Status notices sent as the approved Content template (outside the 24 h window)."""
    with transaction(rt.sessions) as s:
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.content_sid == CASE_TEMPLATE)
                              .order_by(OutboundMessage.id)))
        s.expunge_all()
        return rows


def _later(rt, days: float) -> None:
    clock.freeze(clock.now() + timedelta(days=days))
    sweep.sweep(reschedule=False)
    drain(rt)


def _case(rt) -> DocumentCase:
    with transaction(rt.sessions) as s:
        case = s.scalars(select(DocumentCase)).one()
        s.expunge(case)
        return case


def test_maioridade_over_three_days_with_a_reminder_and_an_unclear_file(wa, rt, files_dir):
    _templates(rt, files_dir)
    reply = wa.say(MARIA, "meu filho fez 18 anos")
    assert "Protocolo de atendimento (maioridade)" in reply[0]
    reply = wa.say(MARIA, "116")[-1]
    assert "1. João Pedro da Silva" in reply and "2. Ana Clara da Silva" in reply
    reply = wa.say(MARIA, "João")[0]
    assert "Vamos manter João" in reply and "*RG*" in reply and "comprovante de frequência" in reply
    # day 1: a photo with no caption, four items missing: asked which, never guessed
    reply = send_files(wa, MARIA, [image_bytes(seed=1)])[0]
    assert "Esse arquivo é o RG, o CPF, o comprovante de matrícula ou o comprovante de frequência?" in reply
    reply = wa.say(MARIA, "1")[0]
    assert "Recebi o arquivo do *RG*" in reply and "Ainda faltam" in reply and ". *RG*" not in reply
    reply = send_files(wa, MARIA, [image_bytes(seed=2)], text="cpf")[0]
    assert "Recebi o arquivo do *CPF*" in reply
    assert wa.say(MARIA, "vou mandar o resto depois")[0].startswith("Tudo bem")
    # day 3: nothing came for two days: a reminder listing only what is missing, as the
    # approved template (the 24 h window has closed)
    _later(rt, 2.1)
    told = _notices(rt)
    assert len(told) == 1 and "ainda aguarda" in told[0].body
    assert "comprovante de matrícula" in told[0].body and ". *RG*" not in told[0].body
    assert told[0].status == "sent" and told[0].content_variables["2"] == "aguardando documentos"
    _later(rt, 0.1)
    assert len(_notices(rt)) == 1  # reminded once, not at every sweep
    # the reminder brought the conversation back to the case: files go straight in
    reply = send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"], text="matrícula")[0]
    assert "Recebi o arquivo do *comprovante de matrícula*" in reply and "frequência" in reply
    reply = send_files(wa, MARIA, [pdf_bytes(pages=1)], kinds=["application/pdf"])[0]
    assert "Recebi o arquivo do *comprovante de frequência*" in reply and "análise" in reply
    case = _case(rt)
    assert case.status == "in_review" and case.beneficiary_ref == "B002"
    with transaction(rt.sessions) as s:
        items = [d.item for d in s.scalars(select(CaseDocument).order_by(CaseDocument.id))]
    assert items == ["rg", "cpf", "matricula", "frequencia"]


def test_a_case_abandoned_is_reminded_then_closed_with_the_protocol_noted(wa, rt, files_dir):
    _templates(rt, files_dir)
    wa.say(MARIA, "maioridade")
    wa.say(MARIA, "116")
    wa.say(MARIA, "2")
    _later(rt, 2.1)
    _later(rt, 2.1)
    _later(rt, 3)
    told = [row.body for row in _notices(rt)]
    assert len(told) == 3 and "ainda aguarda" in told[1] and "encerramos" in told[-1]
    case = _case(rt)
    assert case.status == "closed"
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == case.protocol)).one()
        assert protocol.status == "cancelado"
        assert "documentos não enviados" in protocol.events[-1].note
        assert s.scalars(select(Conversation)).one().flow is None


def test_troca_de_titularidade_sends_the_form_pre_filled_and_asks_for_it_signed(wa, rt, client, files_dir):
    wa.say(MARIA, "troca de titularidade")
    assert "faleceu" in wa.say(MARIA, "116")[-1]
    wa.say(MARIA, "não")
    assert "CPF inválido" not in wa.say(MARIA, "João Pedro da Silva")[0]
    assert "não é válido" in wa.say(MARIA, "123.456.789-00")[0]
    reply = wa.say(MARIA, "529.982.247-25")
    assert any("formulário de troca de titularidade já preenchido" in r for r in reply)
    assert "certidão de óbito" not in reply[-1] and "formulário de troca de titularidade assinado" in reply[-1]
    with transaction(rt.sessions) as s:
        # JSON has no equality in PostgreSQL: the first row carrying media, read in Python
        row = next(r for r in s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))
                   if r.media)
        media = row.media
    sent = [m for m in wa.twilio.created if m.get("MediaUrl")]
    url = sent[-1]["MediaUrl"]
    path = re.sub(r"^https://bot\.example\.com\.br", "", url)
    pdf = client.get(path)
    assert pdf.status_code == 200 and media[0]["kind"] == "holder_change_form"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Maria Aparecida da Silva" in text and "João Pedro da Silva" in text
    assert "529.982.247-25" in text and "116.764.967-26" not in text
    assert "Assinatura do titular atual" in text
    for caption, seed in (("RG do novo titular", 1), ("CPF do novo titular", 2),
                          ("endereço", 3), ("formulário", 4)):
        reply = send_files(wa, MARIA, [image_bytes(seed=seed)], text=caption)[0]
    assert "análise" in reply
    assert [i["code"] for i in _case(rt).items] == [
        "rg_novo_titular", "cpf_novo_titular", "comprovante_endereco", "formulario"]


def test_twelve_pages_over_two_messages_and_a_repeated_webhook_are_each_attached_once(wa, rt, files_dir):
    from tests.media_support import new_message_sid

    wa.say(MARIA, "maioridade")
    wa.say(MARIA, "116")
    wa.say(MARIA, "Ana")
    reply = send_files(wa, MARIA, [image_bytes(seed=i) for i in range(10)], text="RG")[0]
    assert "Recebi 10 arquivos do *RG*" in reply
    sid = new_message_sid()
    send_files(wa, MARIA, [image_bytes(seed=20), image_bytes(seed=21)], text="CPF", sid=sid)
    repeated = send_files(wa, MARIA, [image_bytes(seed=20), image_bytes(seed=21)], text="CPF", sid=sid)
    assert repeated == []  # Twilio's retry of the same message: acknowledged, nothing new
    with transaction(rt.sessions) as s:
        docs = list(s.scalars(select(CaseDocument).order_by(CaseDocument.id)))
    assert [d.item for d in docs] == ["rg"] * 10 + ["cpf"] * 2
    assert len({d.attachment_id for d in docs}) == 12
