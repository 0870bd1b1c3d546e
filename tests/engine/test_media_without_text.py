"""An audio, a photo or a document without text: said that the bot cannot read it, and
never counted as a misunderstanding (WhatsApp users send voice notes all the time)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import MARIA


def _media(kind: str) -> dict:
    return {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/2010-04-01/x/Media/ME1",
            "MediaContentType0": kind}


# Photos and PDFs are now fetched and kept as documents (tests/pipeline/test_media_in_the_turn.py);
# voice notes and videos are never documents.
@pytest.mark.parametrize("kind,word", [("audio/ogg", "áudio"), ("video/mp4", "vídeo")])
def test_media_only_message_outside_a_journey_says_so_and_shows_the_menu(wa, kind, word):
    reply = wa.say(MARIA, "", extra=_media(kind))
    assert len(reply) == 1
    assert f"Recebi seu {word}" in reply[0] or f"Recebi sua {word}" in reply[0]
    assert "escreva" in reply[0] and "1. 2ª via de boleto" in reply[0]


def test_voice_notes_in_a_journey_ask_again_without_counting(wa, rt):
    wa.say(MARIA, "2a via")
    for _ in range(3):
        reply = wa.say(MARIA, "", extra=_media("audio/ogg"))
        assert len(reply) == 1
        assert "Recebi seu áudio" in reply[0] and "3 primeiros dígitos" in reply[0]
        assert "não estou conseguindo ajudar" not in reply[0]
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert (c.flow, c.state, c.handoff, c.misunderstandings) == ("segunda_via", c.state, None, 0)
    listing = wa.say(MARIA, "116")[0]
    assert "1. " in listing


def test_a_caption_is_read_as_text(wa):
    reply = wa.say(MARIA, "segunda via do boleto", extra=_media("image/jpeg"))[0]
    assert "Protocolo de atendimento (2ª via de boleto)" in reply
    assert "Recebi sua imagem" not in reply
