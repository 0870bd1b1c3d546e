"""Pooled PostgreSQL connections are pinged only after a while idle (decision 0276): a
connection that was working a moment ago costs no extra round trip, one idle for longer is
checked, and a dead one is replaced before the caller sees it."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, event, text

from storage import db

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="the idle ping is PostgreSQL's (SQLite has no server)")


@pytest.fixture
def engine():
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_size=1, max_overflow=0)
    db._ping_idle_connections(engine)
    engine.info_checked_in = []  # the pool's records, as they come back

    @event.listens_for(engine, "checkin")
    def _remember(_dbapi_connection, record):
        engine.info_checked_in.append(record)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch):
    seen = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection):
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return seen


def _use(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("select pg_backend_pid()"))


def _age_the_pooled_connection(engine, seconds: float) -> None:
    engine.info_checked_in[-1].info["idle_since"] -= seconds


def test_a_connection_back_from_work_a_moment_ago_is_not_pinged(engine, pings):
    _use(engine)
    _use(engine)
    _use(engine)
    assert pings == []


def test_a_connection_idle_for_longer_is_pinged_first(engine, pings):
    _use(engine)
    _age_the_pooled_connection(engine, db.IDLE_PING_SECONDS + 1)
    _use(engine)
    assert len(pings) == 1


def test_a_connection_cut_while_idle_is_replaced_before_the_caller_sees_it(engine, pings):
    first = _use(engine)
    other = create_engine(engine.url)  # the server ends the pooled connection's backend
    with other.connect() as connection:
        connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
        connection.commit()
    other.dispose()
    _age_the_pooled_connection(engine, db.IDLE_PING_SECONDS + 1)
    assert _use(engine) != first  # a fresh backend, no error
    assert len(pings) >= 1
