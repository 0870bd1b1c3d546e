"""A turn reads at most a WhatsApp text's worth of a message; the row keeps it all."""
from __future__ import annotations

from sqlalchemy import select

from bot import engine
from bot.pipeline import process
from storage.db import transaction
from storage.models import InboundMessage

from ..conftest import MARIA


def test_a_huge_body_is_cut_to_4096_characters_for_the_turn(wa, rt, monkeypatch, caplog):
    seen = []
    real = engine.handle

    def spy(s, rt_, conversation, message):
        seen.append(len(message.text))
        return real(s, rt_, conversation, message)

    monkeypatch.setattr(engine, "handle", spy)
    huge = "quero a segunda via do boleto " * 10_000  # ~300 kB
    replies = wa.say(MARIA, huge)
    assert seen == [process.MAX_TURN_TEXT] and process.MAX_TURN_TEXT == 4096
    assert len(replies) == 1  # answered like any message
    with transaction(rt.sessions) as s:
        assert s.scalars(select(InboundMessage.text)).one() == huge
    assert any("the turn reads the first 4096" in r.getMessage() for r in caplog.records)


def test_a_whatsapp_sized_text_is_read_whole(wa, monkeypatch):
    seen = []
    real = engine.handle
    monkeypatch.setattr(engine, "handle",
                        lambda s, r, c, m: seen.append(m.text) or real(s, r, c, m))
    text = "a" * 4096
    wa.say(MARIA, text)
    assert seen == [text]
