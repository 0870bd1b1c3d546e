"""Unknown phone: "não sei" at the CPF or birth-date question is not a wrong answer nor a
misunderstanding (as at the known phone's 3-digit question): where to find it, or a
person — never "Esse CPF não parece válido" or "Não entendi a data"."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation

from .conftest import UNKNOWN


def _conversation(rt):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        return c.state, dict(c.data), c.identity_failures or 0, c.misunderstandings or 0, c.handoff


@pytest.mark.parametrize("typed", ["não sei", "Não lembro meu CPF", "esqueci", "nao tenho cpf"])
def test_not_knowing_the_cpf(wa, rt, typed):
    wa.say(UNKNOWN, "2a via")
    before = _conversation(rt)
    for _ in range(3):  # never counts towards a handoff
        [reply] = wa.say(UNKNOWN, typed)
        assert reply.startswith("Sem problema.") and "CPF" in reply and "*atendente*" in reply
        assert "não parece válido" not in reply
        assert _conversation(rt) == before
    assert "data de nascimento" in wa.say(UNKNOWN, "116.764.967-26")[0]


def test_not_knowing_the_birth_date(wa, rt):
    wa.say(UNKNOWN, "2a via")
    wa.say(UNKNOWN, "116.764.967-26")
    before = _conversation(rt)
    for _ in range(3):
        [reply] = wa.say(UNKNOWN, "não lembro")
        assert reply.startswith("Sem problema.") and "*atendente*" in reply
        assert "Não entendi" not in reply
        assert _conversation(rt) == before  # no attempt spent, the CPF still stands
    assert "boletos em aberto" in wa.say(UNKNOWN, "05/03/1980")[0]
