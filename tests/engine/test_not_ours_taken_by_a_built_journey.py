"""A "not ours yet" entry whose journey gets built (in parallel, by another branch) starts
that journey instead of saying "ainda não consigo" (config/language/not_ours.yaml), until
its words move to the journey's first words and the entry is deleted."""
from __future__ import annotations

from sqlalchemy import select

from bot.language import not_ours
from storage.db import transaction
from storage.models import Conversation

from ..conftest import MARIA

TABLE = """entries:
  - label: cancelamento
    what: "cancelar o plano"
    phrases: ["abandonar o convenio"]
"""


def test_the_words_of_a_not_ours_entry_start_its_journey_once_built(wa, rt, tmp_path, monkeypatch):
    """The table still lists "cancelamento"; the built journey of that name takes its
    words (its protocol first), never "Ainda não consigo"."""
    table = tmp_path / "not_ours.yaml"
    table.write_text(TABLE, encoding="utf-8")
    load = not_ours.load
    monkeypatch.setattr(not_ours, "load", lambda path=None: load(table))
    reply = wa.say(MARIA, "quero abandonar o convenio")[0]
    assert "Ainda não consigo" not in reply
    assert "Protocolo de atendimento (cancelamento do plano)" in reply
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        assert c.flow == "cancelamento"
