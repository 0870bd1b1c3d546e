"""Attendants open files only through signed, expiring links bound to them; every view is
recorded (who, when)."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.platform import clock
from bot.services.attachments.links import (
    ViewRefused,
    download_name,
    open_for_attendant,
    verify_view_token,
    view_token,
    view_url,
)
from storage.db import transaction
from storage.models import Attachment, AttachmentView, Attendant

from . import samples


@pytest.fixture
def stored(sessions, store, chat):
    data = samples.pdf_bytes()
    key = store.put(data)
    with transaction(sessions) as s:
        row = Attachment(sha256=key, size=len(data), mime="application/pdf", kind="pdf",
                         conversation_id=chat[0], inbound_message_id=chat[1])
        s.add(row)
        s.flush()
        return row.id, data


def test_an_attendant_opens_a_file_through_their_link_and_the_view_is_recorded(
        sessions, store, att_settings, chat, stored):
    attachment_id, data = stored
    attendant_id = chat[2]
    url = view_url(att_settings, attachment_id, attendant_id)
    assert url.startswith("https://bot.example.com.br/attachments/")
    token = url.rsplit("/", 1)[1]

    with transaction(sessions) as s:
        row, stream = open_for_attendant(s, store, att_settings, token, attendant_id)
        with stream:
            assert stream.read() == data
        assert download_name(row) == f"anexo-{attachment_id}.pdf"

    with sessions() as s:
        [view] = s.scalars(select(AttachmentView)).all()
    assert (view.attachment_id, view.attendant_id, view.viewed_at) == (
        attachment_id, attendant_id, clock.now())


def test_every_opening_is_a_separate_record(sessions, store, att_settings, chat, stored):
    token = view_token(att_settings, stored[0], chat[2])
    for _ in range(3):
        with transaction(sessions) as s:
            open_for_attendant(s, store, att_settings, token, chat[2])[1].close()
    with sessions() as s:
        assert len(s.scalars(select(AttachmentView)).all()) == 3


def test_a_link_expires(sessions, store, att_settings, chat, stored):
    token = view_token(att_settings, stored[0], chat[2])
    clock.freeze(clock.now() + timedelta(seconds=att_settings.media_url_ttl_seconds + 1))
    assert verify_view_token(att_settings, token) is None
    with transaction(sessions) as s, pytest.raises(ViewRefused) as refused:
        open_for_attendant(s, store, att_settings, token, chat[2])
    assert refused.value.reason == "invalid_link"


def test_a_forged_or_altered_link_does_not_open(att_settings, chat, stored):
    token = view_token(att_settings, stored[0], chat[2])
    assert verify_view_token(att_settings, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]) is None
    other_secret = dataclasses.replace(att_settings, secret_key="other")
    assert verify_view_token(other_secret, token) is None
    # a bills' link (bot/media.py) signs with another salt: it never opens an attachment
    from bot.services import media_links as media
    assert verify_view_token(att_settings, media.sign(att_settings, {"kind": "bill", "ref": "1"})) is None


def test_a_link_forwarded_to_another_attendant_does_not_open_and_records_nothing(
        sessions, store, att_settings, chat, stored):
    with transaction(sessions) as s:
        other = Attendant(name="Bruno", token_hash="y" * 64)
        s.add(other)
        s.flush()
        other_id = other.id
    token = view_token(att_settings, stored[0], chat[2])
    with transaction(sessions) as s, pytest.raises(ViewRefused) as refused:
        open_for_attendant(s, store, att_settings, token, other_id)
    assert refused.value.reason == "other_attendant"
    with sessions() as s:
        assert s.scalars(select(AttachmentView)).all() == []


def test_a_file_removed_by_retention_does_not_open(sessions, store, att_settings, chat, stored):
    with transaction(sessions) as s:
        s.get(Attachment, stored[0]).deleted_at = clock.now()
    token = view_token(att_settings, stored[0], chat[2])
    with transaction(sessions) as s, pytest.raises(ViewRefused) as refused:
        open_for_attendant(s, store, att_settings, token, chat[2])
    assert refused.value.reason == "deleted"
