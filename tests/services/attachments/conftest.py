"""A database with one conversation and one inbound WhatsApp message carrying media,
a local store in a temporary directory, and Twilio's media endpoints mocked."""
from __future__ import annotations

from datetime import datetime

import pytest
import responses
from sqlalchemy import text

from bot.platform import clock
from bot.platform.config import Settings
from bot.services.attachments.store import LocalStore
from storage.db import make_engine, session_factory, transaction
from storage.models import Attendant, Base, Conversation, InboundMessage

from .samples import ACCOUNT_SID, AUTH_TOKEN, MESSAGE_SID

NOW = datetime(2026, 11, 24, 13, 0)  # naive UTC, as every timestamp column stores


@pytest.fixture
def att_settings(database_url) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret",
                    public_base_url="https://bot.example.com.br",
                    twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    attachments_min_pixels=300)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f"DELETE FROM {table.name}"))
    clock.freeze(NOW)
    yield session_factory(database_url)
    clock.freeze(None)


@pytest.fixture
def store(tmp_path) -> LocalStore:
    return LocalStore(tmp_path / "attachments")


@pytest.fixture
def chat(sessions):
    """(conversation id, inbound message id, attendant id)."""
    with transaction(sessions) as s:
        conversation = Conversation(channel="whatsapp", address="+5567999990001")
        s.add(conversation)
        s.flush()
        inbound = InboundMessage(channel="whatsapp", external_id=MESSAGE_SID,
                                 conversation_key="whatsapp:+5567999990001",
                                 sender="+5567999990001", recipient="+556730000000",
                                 conversation_id=conversation.id)
        attendant = Attendant(name="Ana", token_hash="x" * 64)
        s.add_all([inbound, attendant])
        s.flush()
        return conversation.id, inbound.id, attendant.id


@pytest.fixture
def media_mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
