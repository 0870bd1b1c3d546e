"""A "not ours yet" entry whose journey gets built (in parallel, by another branch) starts
that journey instead of saying "ainda não consigo" (config/language/not_ours.yaml)."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation

from ..conftest import MARIA


def test_the_words_of_a_not_ours_entry_start_its_journey_once_built(wa, rt):
    """config/language/not_ours.yaml still lists "cancelamento"; the built journey of that
    name takes its words (its protocol first), never "Ainda não consigo"."""
    reply = wa.say(MARIA, "quero cancelar meu plano")[0]
    assert "Ainda não consigo" not in reply
    assert "Protocolo de atendimento (cancelamento do plano)" in reply
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        assert c.flow == "cancelamento"
