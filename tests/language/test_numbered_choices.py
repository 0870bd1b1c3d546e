"""Numbered answers typed the way people type them: words, ordinals, "opção 2", keycaps."""
from __future__ import annotations

import pytest

from bot.language import choices
from tests.conftest import MARIA

FERNANDA = "+5567999990003"
MARIA_CPF = "11676496726"


@pytest.mark.parametrize("text,expected", [
    ("2", [2]), ("2.", [2]), ("2)", [2]), ("1️⃣", [1]), ("opção 5", [5]), ("opcao 1", [1]),
    ("dois", [2]), ("três", [3]), ("o primeiro", [1]), ("a terceira", [3]), ("1º", [1]),
    ("a segunda opção", [2]), ("2ª opção", [2]), ("o primeiro e o terceiro", [1, 3]),
    ("1 e 3", [1, 3]), ("1, 2", [1, 2]), ("quero o 2", [2]), ("o último", [4]),
    ("os dois", None), ("um segundo", None), ("segunda", None), ("sexta", None), ("2a", None), ("2 via", None),
    ("605", None), ("nenhum", None), ("e", None), ("", None), ("1.5", None),
])
def test_numbers_as_people_type_them(text, expected):
    assert choices.numbers(text, 4) == expected


@pytest.mark.parametrize("answer", ["dois", "opção 2", "opcao 2", "a segunda opção", "2º"])
def test_menu_option_in_words(wa, answer):
    wa.say(FERNANDA, "oi")
    reply = wa.say(FERNANDA, answer)[0]
    assert "Protocolo de atendimento (agendamento" in reply or "agendamento" in reply.lower(), reply
    assert "não entendi" not in reply


@pytest.mark.parametrize("answer,due", [("o primeiro", "29/11/2026"), ("dois", "02/12/2026"),
                                        ("a primeira", "29/11/2026")])
def test_boleto_list_answered_in_words(wa, answer, due):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, MARIA_CPF[:3])
    reply = wa.say(MARIA, answer)
    assert any(f"Vencimento: *{due}*" in r for r in reply), reply


def test_boleto_list_first_and_second_in_words(wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, MARIA_CPF[:3])
    reply = wa.say(MARIA, "o primeiro e o segundo")
    assert sum("Linha digitável" in r for r in reply) == 2, reply
