"""Engine and session factory shared by the web app, the worker and the CLI."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
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
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    _engines[url] = engine
    return engine


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
