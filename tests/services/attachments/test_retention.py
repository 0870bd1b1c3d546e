"""Retention: files leave the store N days after their case closed; rows and hashes stay."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.platform import clock
from bot.services.attachments.retention import purge_expired
from storage.db import transaction
from storage.models import Attachment, Protocol

from . import samples

DAYS = 90


def protocol(s, number: str, status: str, closed_days_ago: int) -> None:
    when = clock.now() - timedelta(days=closed_days_ago)
    s.add(Protocol(number=number, journey="atualizacao_cadastral", status=status,
                   created_at=when - timedelta(days=3), updated_at=when))


def attach(s, store, chat, data: bytes, case_ref: str | None, age_days: int = 100) -> int:
    row = Attachment(sha256=store.put(data), size=len(data), mime="image/png", kind="image",
                     conversation_id=chat[0], case_ref=case_ref,
                     created_at=clock.now() - timedelta(days=age_days))
    s.add(row)
    s.flush()
    return row.id


@pytest.fixture
def cases(sessions, store, chat):
    """Files of: a case closed 91 days ago, one closed 10 days ago, one still open 200 days
    later, a case-less file of 100 days and one of 5 days."""
    files = {name: samples.image_bytes("PNG", size=(400, 400), seed=i)
             for i, name in enumerate(["old", "recent", "open", "loose_old", "loose_new"])}
    with transaction(sessions) as s:
        protocol(s, "P-OLD", "concluido", DAYS + 1)
        protocol(s, "P-RECENT", "concluido", 10)
        protocol(s, "P-OPEN", "aberto", 200)
        ids = {
            "old": attach(s, store, chat, files["old"], "P-OLD"),
            "recent": attach(s, store, chat, files["recent"], "P-RECENT"),
            "open": attach(s, store, chat, files["open"], "P-OPEN"),
            "loose_old": attach(s, store, chat, files["loose_old"], None, age_days=DAYS + 10),
            "loose_new": attach(s, store, chat, files["loose_new"], None, age_days=5),
        }
    return ids


def state(sessions, store) -> dict[int, tuple[bool, bool]]:
    """attachment id → (row marked deleted, file still in the store)"""
    with sessions() as s:
        return {row.id: (row.deleted_at is not None, store.exists(row.sha256))
                for row in s.scalars(select(Attachment))}


def test_files_of_cases_closed_long_ago_are_deleted_and_their_rows_kept(sessions, store, cases):
    with transaction(sessions) as s:
        report = purge_expired(s, store, DAYS)
    assert (report.rows_marked, report.files_deleted) == (2, 2)
    now = state(sessions, store)
    assert now[cases["old"]] == (True, False)
    assert now[cases["loose_old"]] == (True, False)
    for kept in ("recent", "open", "loose_new"):
        assert now[cases[kept]] == (False, True)
    with sessions() as s:
        old = s.get(Attachment, cases["old"])
        assert len(old.sha256) == 64 and old.size > 0 and old.deleted_at == clock.now()


def test_running_it_again_changes_nothing(sessions, store, cases):
    with transaction(sessions) as s:
        purge_expired(s, store, DAYS)
    before = state(sessions, store)
    with transaction(sessions) as s:
        report = purge_expired(s, store, DAYS)
    assert (report.rows_marked, report.files_deleted) == (0, 0)
    assert state(sessions, store) == before


def test_a_file_shared_with_a_live_case_stays_in_the_store(sessions, store, chat, cases):
    with sessions() as s:
        shared = s.get(Attachment, cases["old"]).sha256
    with transaction(sessions) as s:
        row = Attachment(sha256=shared, size=1, mime="image/png", kind="image",
                         conversation_id=chat[0], case_ref="P-OPEN")
        s.add(row)
        s.flush()
        live_id = row.id
    with transaction(sessions) as s:
        purge_expired(s, store, DAYS)
    now = state(sessions, store)
    assert now[cases["old"]] == (True, True)  # its case let go of it, the file stays
    assert now[live_id] == (False, True)


def test_the_period_is_counted_from_the_close(sessions, store, cases):
    clock.freeze(clock.now() + timedelta(days=DAYS - 10 + 1))  # P-RECENT now 91 days closed
    with transaction(sessions) as s:
        purge_expired(s, store, DAYS)
    assert state(sessions, store)[cases["recent"]] == (True, False)
    assert state(sessions, store)[cases["open"]] == (False, True)


def test_a_crash_between_deleting_files_and_marking_rows_is_finished_by_the_next_run(
        sessions, store, cases):
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        purge_expired(s, store, DAYS)
        raise RuntimeError("worker killed before the commit")
    assert state(sessions, store)[cases["old"]] == (False, False)  # file gone, row live
    with transaction(sessions) as s:
        report = purge_expired(s, store, DAYS)
    assert report.rows_marked == 2
    assert state(sessions, store)[cases["old"]] == (True, False)
