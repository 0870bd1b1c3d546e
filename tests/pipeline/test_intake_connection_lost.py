"""The acknowledgement survives a database connection cut since it was last used (a
restart): pooled connections are pinged only after a while idle (decision 0276), so the
INSERT is tried once more on a fresh connection instead of answering 500 to a provider
that may never post again."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.pipeline import inbox
from storage.db import transaction
from storage.models import InboundMessage
from tests.conftest import MARIA


def _cut_once(monkeypatch, *, invalidated: bool, times: int = 1):
    real = inbox.core_transaction
    calls = {"n": 0}

    def transaction_on_a_cut_connection(factory):
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"),
                                   connection_invalidated=invalidated)
        return real(factory)

    monkeypatch.setattr(inbox, "core_transaction", transaction_on_a_cut_connection)
    return calls


def _stored(rt) -> list[str]:
    with transaction(rt.sessions) as s:
        return [m.text for m in s.scalars(select(InboundMessage))]


def test_a_connection_cut_since_it_was_last_used_stores_the_message_on_a_fresh_one(
        wa, rt, monkeypatch):
    calls = _cut_once(monkeypatch, invalidated=True)
    assert wa.post(MARIA, "oi").status_code == 200
    assert calls["n"] == 2
    assert _stored(rt) == ["oi"]
    assert rt.queue.count == 1  # and a worker is woken for it


def test_a_database_that_stays_down_is_not_retried_forever(rt, monkeypatch):
    calls = _cut_once(monkeypatch, invalidated=True, times=2)
    with pytest.raises(OperationalError):
        _accept_directly(rt)
    assert calls["n"] == 2
    assert _stored(rt) == []


def test_other_database_errors_are_not_retried(rt, monkeypatch):
    calls = _cut_once(monkeypatch, invalidated=False)
    with pytest.raises(OperationalError):
        _accept_directly(rt)
    assert calls["n"] == 1


def _accept_directly(rt):
    from bot.channels.base import Incoming
    return inbox.accept(rt, Incoming(channel="whatsapp", external_id="SMcut", sender=MARIA,
                                     recipient="+556730000000", text="oi"))
