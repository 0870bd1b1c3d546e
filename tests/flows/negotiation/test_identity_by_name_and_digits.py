"""Identity by name or the last CPF digits in the negotiation, and the lockout."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.language.names import name_matches
from storage.db import transaction
from storage.models import Conversation

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _conversation(rt, phone=ROBERTO):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


# -- 7: identity alternatives --------------------------------------------------------------------
@pytest.mark.parametrize("given,ok", [
    ("Roberto Alves Nogueira", True), ("  ROBERTO   alves  NOGUEIRA ", True), ("roberto álves noguéira", True),
    ("Nogueira", True), ("nogueíra.", True), ("Alves Nogueira", True), ("Roberto Nogueira", True),
    ("Meu nome é Roberto Alves Nogueira", True), ("sou o Roberto Nogueira", True),
    ("meu sobrenome é Nogueira", True), ("Nogueira, Roberto", True),
    ("Roberto", False), ("Silva", False), ("Roberto Silva", False), ("Nogueira Alves", False),
    ("Alves Roberto", False), ("", False),
])
def test_name_alternatives_tolerate_accents_case_spaces_and_lead_ins(given, ok):
    assert name_matches(given, "Roberto Alves Nogueira") is ok


def test_identity_alternatives_in_the_conversation_and_the_lockout(wa, rt):
    first = wa.say(ROBERTO, "negociar")[-1]
    assert "os 2 últimos dígitos do CPF, seu nome completo ou seu sobrenome" in first
    # not attempts: no try is spent
    assert wa.say(ROBERTO, "Roberto") == [
        "Só o primeiro nome não basta para confirmar, Roberto. Envie seu nome completo, seu sobrenome "
        "ou os *3 primeiros dígitos* do CPF."]
    assert "Envie apenas os *3 primeiros dígitos*" in wa.say(ROBERTO, "por quê?")[0]
    assert _conversation(rt).identity_failures == 0
    # wrong names count towards the lockout, like wrong digits
    assert wa.say(ROBERTO, "Silva") == ["Os dados não conferem. Você ainda tem 2 tentativas."]
    assert wa.say(ROBERTO, "99") == ["Os dados não conferem. Você ainda tem 1 tentativa."]  # the CPF ends in 10
    blocked = wa.say(ROBERTO, "Roberto Pereira")[0]
    assert "15 minutos" in blocked
    conversation = _conversation(rt)
    assert conversation.blocked_until is not None and conversation.flow is None


def test_the_last_two_cpf_digits_confirm(wa):
    wa.say(ROBERTO, "negociar")
    assert "Encontrei estes títulos em aberto" in wa.say(ROBERTO, "CPF termina em 10")[0]

