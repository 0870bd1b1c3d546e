"""Unknown phone: "não sei" at the CPF or birth-date question is not a wrong answer nor a
misunderstanding (as at the known phone's 3-digit question): where to find it, or a
person — never "Esse CPF não parece válido" or "Não entendi a data"."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import UNKNOWN


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


AUDIO = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/a.ogg", "MediaContentType0": "audio/ogg"}


@pytest.mark.parametrize("typed, extra", [("", AUDIO), (" ", None), ("oi", None), ("🤔", None)])
def test_no_digits_at_the_cpf_question_asks_for_it_without_calling_it_invalid(wa, rt, typed, extra):
    """An audio, an emoji or "oi" is no CPF at all: "Esse CPF não parece válido" was false."""
    wa.say(UNKNOWN, "2a via")
    before = _conversation(rt)
    [reply] = wa.say(UNKNOWN, typed, extra=extra)
    assert "não parece válido" not in reply
    assert reply.endswith("Envie os 11 números do seu *CPF*, por exemplo: 123.456.789-09.")
    assert _conversation(rt)[:3] == before[:3]


def test_digits_that_are_no_cpf_are_still_called_invalid(wa):
    wa.say(UNKNOWN, "2a via")
    assert wa.say(UNKNOWN, "123.456.789-00") == [
        "Esse CPF não parece válido. Confira os 11 números e envie novamente."]
