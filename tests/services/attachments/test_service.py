"""receive(): download, check, store and attach each item of a message; a re-run never
stores or attaches twice; passing faults roll everything back for the retry."""
from __future__ import annotations

import base64
import dataclasses

import pytest
from sqlalchemy import select

from bot.services.attachments import (
    InboundMedia,
    RetryableDownloadError,
    StoreUnavailable,
    receive,
)
from bot.services.attachments.store import LocalStore
from storage.db import transaction
from storage.models import Attachment, InboundMessage

from . import samples
from .samples import ACCOUNT_SID, AUTH_TOKEN, MESSAGE_SID, media_url

BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


def serve(mock, media_sid: str, body: bytes, cdn: str | None = None) -> str:
    url = media_url(media_sid)
    cdn = cdn or f"https://mms.twiliocdn.com/{media_sid}?Expires=1&Signature=s"
    mock.get(url, status=307, headers={"Location": cdn})
    mock.get(cdn, body=body)
    return url


def run(sessions, store, settings, chat, media, **kwargs):
    conversation_id, inbound_id, _ = chat
    with transaction(sessions) as s:
        return receive(s, store, settings, media, conversation_id=conversation_id,
                       inbound_message_id=inbound_id, message_sid=MESSAGE_SID, **kwargs)


def rows(sessions) -> list[Attachment]:
    with sessions() as s:
        return list(s.scalars(select(Attachment).order_by(Attachment.id)))


def test_a_message_with_a_photo_a_zip_and_a_forged_url(sessions, store, att_settings, chat,
                                                       media_mock):
    photo = samples.image_bytes("JPEG")
    photo_url = serve(media_mock, "ME" + "a" * 32, photo)
    zip_url = serve(media_mock, "ME" + "b" * 32, samples.zip_bytes())
    forged = "https://evil.example/steal?u=" + photo_url

    results = run(sessions, store, att_settings, chat, [
        InboundMedia(photo_url, "image/jpeg"), {"url": zip_url, "content_type": "image/jpeg"},
        InboundMedia(forged, "image/jpeg")])

    assert [(r.accepted, r.reason) for r in results] == [
        (True, None), (False, "unsupported_type"), (False, "untrusted_url")]
    assert results[1].accepted_formats == "PDF, JPEG, PNG, WEBP, HEIC"
    [row] = rows(sessions)
    assert (row.id, row.kind, row.mime, row.size) == (results[0].attachment_id, "image",
                                                        "image/jpeg", len(photo))
    assert (row.conversation_id, row.inbound_message_id) == chat[:2]
    assert store.get(row.sha256) == photo
    sent_auth = [(c.request.url, c.request.headers.get("Authorization")) for c in media_mock.calls]
    assert all((auth is not None) == url.startswith("https://api.twilio.com/") for url, auth in sent_auth)
    assert {auth for url, auth in sent_auth if auth} == {BASIC}
    assert not any("evil.example" in url for url, _ in sent_auth)


def test_running_the_same_message_again_attaches_nothing_twice(sessions, store, att_settings,
                                                               chat, media_mock):
    pdf = samples.pdf_bytes()
    url = serve(media_mock, "ME" + "c" * 32, pdf)
    first = run(sessions, store, att_settings, chat, [InboundMedia(url)])
    again = run(sessions, store, att_settings, chat, [InboundMedia(url)])

    assert first[0].attachment_id == again[0].attachment_id
    assert len(rows(sessions)) == 1
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == [rows(sessions)[0].sha256]


def test_the_same_file_in_two_messages_is_stored_once_and_attached_to_each(
        sessions, store, att_settings, chat, media_mock):
    photo = samples.image_bytes("PNG")
    url = serve(media_mock, "ME" + "d" * 32, photo)
    run(sessions, store, att_settings, chat, [InboundMedia(url)])
    with transaction(sessions) as s:
        second = InboundMessage(channel="whatsapp", external_id="MM" + "e" * 32,
                                conversation_key="whatsapp:+5567999990001",
                                sender="+5567999990001", recipient="+556730000000")
        s.add(second)
        s.flush()
        second_id = second.id
    with transaction(sessions) as s:
        receive(s, store, att_settings, [InboundMedia(url)], conversation_id=chat[0],
                inbound_message_id=second_id, case_ref="20261124000001")
    attached = rows(sessions)
    assert len(attached) == 2 and attached[0].sha256 == attached[1].sha256
    assert attached[1].case_ref == "20261124000001"
    assert len([p for p in store.root.rglob("*") if p.is_file()]) == 1


def test_twilio_still_propagating_rolls_back_and_the_retry_attaches_everything(
        sessions, store, att_settings, chat, media_mock):
    photo = samples.image_bytes("JPEG", seed=1)
    first = serve(media_mock, "ME" + "1" * 32, samples.pdf_bytes())
    late = media_url("ME" + "2" * 32)
    media_mock.get(late, status=404)
    media = [InboundMedia(first), InboundMedia(late)]

    with pytest.raises(RetryableDownloadError):
        run(sessions, store, att_settings, chat, media)
    assert rows(sessions) == []  # the first item's row went with the rolled-back turn

    media_mock.replace("GET", late, status=307, headers={"Location": "https://mms.twiliocdn.com/late"})
    media_mock.get("https://mms.twiliocdn.com/late", body=photo)
    results = run(sessions, store, att_settings, chat, media)
    assert [r.accepted for r in results] == [True, True]
    assert len(rows(sessions)) == 2


def test_the_store_down_raises_for_a_retry_and_attaches_nothing(sessions, tmp_path,
                                                                att_settings, chat, media_mock):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    url = serve(media_mock, "ME" + "f" * 32, samples.pdf_bytes())
    with pytest.raises(StoreUnavailable):
        run(sessions, LocalStore(blocker / "attachments"), att_settings, chat,
            [InboundMedia(url)])
    assert rows(sessions) == []


def test_files_over_the_size_cap_are_refused_and_nothing_is_stored(
        sessions, store, att_settings, chat, media_mock):
    announced = media_url("ME" + "6" * 32)
    media_mock.get(announced, body=b"x" * 2048, auto_calculate_content_length=True)
    streamed = serve(media_mock, "ME" + "7" * 32, samples.image_bytes("PNG"))  # no length
    settings = dataclasses.replace(att_settings, attachments_max_bytes=1024)

    results = run(sessions, store, settings, chat, [InboundMedia(announced), InboundMedia(streamed)])

    assert [r.reason for r in results] == ["too_large", "too_large"]
    assert rows(sessions) == []
    assert not store.root.exists() or not any(store.root.rglob("*"))


def test_refusal_reasons_for_encrypted_blank_and_tiny(sessions, store, att_settings, chat,
                                                      media_mock):
    encrypted = serve(media_mock, "ME" + "3" * 32, samples.encrypted_pdf())
    blank = serve(media_mock, "ME" + "4" * 32, samples.blank_jpeg())
    tiny = serve(media_mock, "ME" + "5" * 32, samples.image_bytes("JPEG", size=(120, 90)))
    results = run(sessions, store, att_settings, chat,
                  [InboundMedia(u) for u in (encrypted, blank, tiny)])
    assert [r.reason for r in results] == ["pdf_encrypted", "image_blank", "image_too_small"]
    assert rows(sessions) == []


def test_the_job_retry_policy_backs_off_over_about_a_minute():
    from bot.services.attachments import download_retry

    retry = download_retry()
    assert retry.max == 3 and retry.intervals == [5, 15, 45]
