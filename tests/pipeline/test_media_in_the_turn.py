"""Files sent on WhatsApp are fetched by the worker inside the turn: stored once, refused
with the reason, retried while Twilio is still propagating them, credentials only to our
media URL."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.pipeline import sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import Attachment, InboundMessage
from tests.conftest import MARIA, drain
from tests.media_support import CDN, media_calls, new_message_sid, send_files
from tests.services.attachments.samples import encrypted_pdf, exe_bytes, image_bytes, pdf_bytes


def _advance(seconds: int) -> None:
    clock.freeze(clock.now() + timedelta(seconds=seconds))


def _attachments(rt) -> list[Attachment]:
    with transaction(rt.sessions) as s:
        rows = list(s.scalars(select(Attachment).order_by(Attachment.id)))
        s.expunge_all()
        return rows


def test_a_photo_nobody_asked_for_is_kept_with_the_conversation_and_the_person_asked_what_for(wa, rt, files_dir):
    reply = send_files(wa, MARIA, [image_bytes()])
    assert len(reply) == 1
    assert "guardei aqui na conversa" in reply[0] and "Para que ele é?" in reply[0]
    assert "1. 2ª via de boleto" in reply[0]
    rows = _attachments(rt)
    assert len(rows) == 1 and rows[0].conversation_id is not None and rows[0].mime == "image/jpeg"
    assert (files_dir / rows[0].sha256[:2]).exists() or any(files_dir.rglob(rows[0].sha256 + "*"))


def test_credentials_go_only_to_the_twilio_media_url_never_to_the_cdn(wa, rt, files_dir):
    send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])
    calls = media_calls(wa.twilio.mock)
    assert len(calls) == 2
    api, cdn = calls
    assert api.request.url.startswith("https://api.twilio.com/") and "Authorization" in api.request.headers
    assert cdn.request.url.startswith(CDN) and "Authorization" not in cdn.request.headers


def test_a_forged_media_url_is_never_fetched(wa, rt, files_dir):
    sid = new_message_sid()
    reply = wa.say(MARIA, "", sid=sid, extra={
        "NumMedia": "1", "MediaUrl0": "https://attacker.example.com/steal", "MediaContentType0": "image/jpeg"})
    assert not media_calls(wa.twilio.mock)
    assert not [c for c in wa.twilio.mock.calls if "attacker" in c.request.url]
    assert "Não consegui receber esse arquivo" in reply[0]
    assert _attachments(rt) == []


def test_wrong_type_oversized_and_encrypted_files_are_refused_with_the_reason(wa, rt, files_dir):
    reply = send_files(wa, MARIA, [exe_bytes()])[0]
    assert "Não consigo usar esse tipo de arquivo" in reply and "PDF" in reply
    reply = send_files(wa, MARIA, [encrypted_pdf()], kinds=["application/pdf"])[0]
    assert "protegido por senha" in reply
    big = b"%PDF-1.4\n" + b"0" * (rt.settings.attachments_max_bytes + 10)
    reply = send_files(wa, MARIA, [big], kinds=["application/pdf"])[0]
    assert "tamanho máximo de 16 MB" in reply
    assert _attachments(rt) == []


def test_media_still_propagating_is_retried_with_backoff_and_told_only_once_stored(wa, rt, files_dir):
    reply = send_files(wa, MARIA, [image_bytes()], not_found_first=2)
    assert reply == []  # not "recebido" for a file not stored yet
    assert _attachments(rt) == []
    with transaction(rt.sessions) as s:
        msg = s.scalars(select(InboundMessage)).one()
        assert msg.status == "received" and msg.attempts == 1
    sweep.sweep(reschedule=False)  # woken early: waits for its time
    drain(rt)
    assert wa.twilio.bodies_to(MARIA) == []
    _advance(6)
    sweep.sweep(reschedule=False)
    drain(rt)
    assert wa.twilio.bodies_to(MARIA) == []  # a second 404
    _advance(16)
    sweep.sweep(reschedule=False)
    drain(rt)
    replies = wa.twilio.bodies_to(MARIA)
    assert len(replies) == 1 and "guardei aqui na conversa" in replies[0]
    assert len(_attachments(rt)) == 1


def test_media_never_served_asks_to_send_again_after_the_last_try(wa, rt, files_dir):
    send_files(wa, MARIA, [image_bytes()], not_found_first=10)
    for seconds in (6, 16, 46):
        _advance(seconds)
        sweep.sweep(reschedule=False)
        drain(rt)
    replies = wa.twilio.bodies_to(MARIA)
    assert len(replies) == 1 and "Não consegui receber esse arquivo. Por favor, envie de novo." in replies[0]
    assert _attachments(rt) == []


def test_a_duplicate_webhook_with_media_stores_and_attaches_once(wa, rt, files_dir):
    sid = new_message_sid()
    send_files(wa, MARIA, [image_bytes()], sid=sid)
    send_files(wa, MARIA, [image_bytes()], sid=sid)
    assert len(_attachments(rt)) == 1
    assert len(wa.twilio.bodies_to(MARIA)) == 1


def test_ten_files_in_one_message_are_all_kept(wa, rt, files_dir):
    reply = send_files(wa, MARIA, [image_bytes(seed=i) for i in range(10)])
    assert len(reply) == 1 and "Recebi 10 arquivos" in reply[0]
    assert len(_attachments(rt)) == 10
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count(func.distinct(Attachment.sha256)))) == 10


def test_the_sweeper_deletes_files_past_retention_and_keeps_the_rows(wa, rt, files_dir):
    send_files(wa, MARIA, [image_bytes()])  # kept with the conversation, no case
    [row] = _attachments(rt)
    assert any(files_dir.rglob(f"*{row.sha256[-12:]}*")) or any(p.is_file() for p in files_dir.rglob("*"))
    _advance(86400 * (rt.settings.attachments_retention_days - 1))
    sweep.sweep(reschedule=False)
    assert _attachments(rt)[0].deleted_at is None
    _advance(86400 * 2)
    sweep.sweep(reschedule=False)
    [row] = _attachments(rt)
    assert row.deleted_at is not None and row.sha256
    assert not any(p.is_file() for p in files_dir.rglob("*"))


def test_a_file_sent_while_waiting_for_an_attendant_is_kept_for_them(wa, rt, files_dir):
    wa.say(MARIA, "atendente")
    reply = send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])
    assert len(reply) == 1 and "a pessoa que vai te atender poderá ver" in reply[0]
    [row] = _attachments(rt)
    assert row.conversation_id is not None


def test_a_photo_during_a_question_that_asks_no_file_keeps_the_question(wa, rt, files_dir):
    wa.say(MARIA, "2a via")
    reply = send_files(wa, MARIA, [image_bytes()])[0]
    assert "agora não estou pedindo documentos" in reply and "3 primeiros dígitos" in reply
    assert len(_attachments(rt)) == 1
