"""The Alembic migrations build exactly the schema the models describe."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from bot.cli import upgrade_database
from storage.db import make_engine
from storage.models import Base


def _assert_no_drift(url: str) -> None:
    upgrade_database(url)
    with make_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrations_match_models_on_sqlite(tmp_path):
    _assert_no_drift(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="needs the real PostgreSQL (DATABASE_URL)")
def test_migrations_match_models_on_postgresql():
    admin_url = os.environ["DATABASE_URL"]
    name = f"planbot_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        _assert_no_drift(url)
    finally:
        make_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
