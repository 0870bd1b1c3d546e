"""Unknown phone: the CPF and the birth date sent in one message are both read (was "Esse
CPF não parece válido" for a valid CPF followed by the date)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation
from tests.conftest import UNKNOWN


def _conversation(rt):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        return c.state, c.identity_failures or 0, c.misunderstandings or 0


@pytest.mark.parametrize("typed", ["11676496726 05/03/1980", "116.764.967-26, 05/03/1980",
                                   "CPF 116.764.967-26 nascimento 5 de março de 1980",
                                   "116.764.967-26\n05031980"])
def test_cpf_and_birth_date_in_one_message_confirm(wa, typed):
    wa.say(UNKNOWN, "2a via")
    assert "boletos em aberto" in wa.say(UNKNOWN, typed)[0]


def test_a_wrong_birth_date_sent_with_the_cpf_spends_one_attempt(wa, rt):
    wa.say(UNKNOWN, "2a via")
    replies = wa.say(UNKNOWN, "116.764.967-26 01/01/1990")
    assert replies[0].startswith("Os dados não conferem. Você ainda tem 2 tentativas.")
    assert _conversation(rt) == ("identity_cpf", 1, 0)


def test_cpf_with_a_date_missing_the_century_asks_the_year(wa, rt):
    wa.say(UNKNOWN, "2a via")
    [reply] = wa.say(UNKNOWN, "11676496726 05/03/80")
    assert "ano com 4 dígitos" in reply
    assert _conversation(rt) == ("identity_birth", 0, 0)
    assert "boletos em aberto" in wa.say(UNKNOWN, "05/03/1980")[0]


def test_cpf_with_other_words_still_asks_the_birth_date(wa, rt):
    wa.say(UNKNOWN, "2a via")
    assert wa.say(UNKNOWN, "meu cpf é 116.764.967-26 ok") == [
        "Agora informe sua *data de nascimento* (dd/mm/aaaa)."]


def test_an_invalid_cpf_with_a_date_is_still_invalid(wa, rt):
    wa.say(UNKNOWN, "2a via")
    [reply] = wa.say(UNKNOWN, "116.764.967-27 05/03/1980")
    assert "não parece válido" in reply
    assert _conversation(rt)[0] == "identity_cpf"
