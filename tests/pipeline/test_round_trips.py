"""A turn's database work: each row it changes is written once, and a reply costs a
fixed handful of statements (bench/load.py measures what they cost; this keeps them
from creeping back)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import event

from storage.db import make_engine

from ..conftest import MARIA, drain


def _statements(rt, settings, fn) -> Counter:
    engine = make_engine(settings.database_url)
    seen: Counter = Counter()

    def count(_conn, _cursor, statement, *_args):
        words = statement.split()
        seen[" ".join(words[:3]) if words[0] == "UPDATE" else words[0]] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def test_a_turn_updates_its_conversation_once_whatever_it_looks_up(wa, rt, settings, twilio):
    wa.post(MARIA, "oi")
    seen = _statements(rt, settings, lambda: drain(rt))  # binds the phone, looks up the person
    assert len(twilio.bodies_to(MARIA)) == 1
    assert seen["UPDATE conversations SET"] == 1


def test_a_turn_with_one_reply_takes_a_fixed_handful_of_statements(wa, rt, settings, twilio):
    wa.post(MARIA, "oi")
    drain(rt)
    wa.post(MARIA, "obrigado")
    seen = _statements(rt, settings, lambda: drain(rt))
    assert len(twilio.bodies_to(MARIA)) == 2
    # take the message with its conversation (one statement), the turn's writes with the
    # reply claimed (0279), record the send; nothing read twice, nothing read again on
    # the way out
    assert sum(seen.values()) - seen["BEGIN"] - seen["SAVEPOINT"] <= 7, seen
