"""Engine and session factory shared by the web app, the worker and the CLI."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

# Integer primary keys are PostgreSQL int4: a larger id (from a URL or a callback) is no row,
# answered as "not found" before the database would refuse the number.
MAX_ROW_ID = 2**31 - 1

_engines: dict[str, Engine] = {}


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _serialize_sqlite_writers(engine)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=10)
        _ping_idle_connections(engine)
    _engines[url] = engine
    return engine


# A connection back in the pool for less than this was working a moment ago: pinging it
# on every checkout (pool_pre_ping) costs a round trip per transaction, a third of a
# short one. One idle for longer may have been cut (server restart, proxy timeout) and is
# pinged first; a failure in between invalidates the pool and the caller's unit of work
# fails once, as it could between a ping and its first statement anyway.
IDLE_PING_SECONDS = 5.0


def _ping_idle_connections(engine: Engine) -> None:
    # SQLAlchemy's documented custom pessimistic check: DisconnectionError from a checkout
    # listener makes the pool discard the connection and try a fresh one.
    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error


def _serialize_sqlite_writers(engine: Engine) -> None:
    # pysqlite's deferred BEGIN lets two processes read-then-write and deadlock into
    # "database is locked"; BEGIN IMMEDIATE makes SQLite's single writer explicit, which
    # is the embedded stand-in for PostgreSQL's row locks (SELECT ... FOR UPDATE).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _forget_pooled_connections_in_child() -> None:
    # RQ forks a work horse per job and gunicorn forks workers: a child must never reuse
    # the parent's pooled connections (two processes on one socket corrupt the protocol).
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_pooled_connections_in_child)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=make_engine(url), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def core_transaction(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A transaction on a bare connection, for Core statements only (the webhook's one
    INSERT): what `transaction` does without the ORM session's bookkeeping."""
    with factory.kw["bind"].begin() as connection:
        yield connection


_autocommit: dict[Engine, Engine] = {}


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A connection for one read that needs no transaction of its own ("is anything
    pending?"): on PostgreSQL in autocommit, one round trip instead of BEGIN, the
    statement and COMMIT. Never for a read a write depends on: use transaction()."""
    engine = factory.kw["bind"]
    if engine.dialect.name == "postgresql":
        if engine not in _autocommit:
            _autocommit[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine = _autocommit[engine]
    with engine.connect() as connection:
        yield connection


@contextmanager
def one_statement(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A connection for one statement that is a whole transaction by itself (an UPDATE
    of one row by its id): on PostgreSQL one round trip, as `reading`; committed here on
    SQLite, which has no autocommit connection."""
    with reading(factory) as connection:
        yield connection
        if connection.dialect.name != "postgresql" and connection.in_transaction():
            connection.commit()
