"""Table-driven readings of free text in the negotiation: yes/no, the script's questions,
"está caro", addresses and the identity name alternatives."""
from __future__ import annotations

import pytest

from bot.identity import name_matches
from bot.intents import after_yes_no, yes_no
from bot.negotiation.language import looks_like_address, question_topic, wants_discount
from bot.text import normalize


@pytest.mark.parametrize("text,expected", [
    ("sim", True), ("Sim.", True), ("SIM!", True), ("sim, pode ser", True), ("Sim, está correto", True),
    ("isso", True), ("isso mesmo", True), ("correto", True), ("Está correto.", True), ("ok", True),
    ("pode ser", True), ("sim sim", True), ("👍 sim", True),
    ("não", False), ("Não.", False), ("nao, não está certo", False), ("errado", False),
    ("negativo", False), ("Não, agora moro na Rua A, 10", False),
    ("não sei", None), ("sim, mas mudei de casa", None), ("talvez", None), ("", None),
    ("muito obrigado", None), ("nao quero", None),
])
def test_yes_no(text, expected):
    assert yes_no(text) is expected


def test_extra_yes_words_are_per_question():
    assert yes_no("fechado") is None
    assert yes_no("fechado!", extra_yes=frozenset({"fechado"})) is True


def test_after_yes_no_keeps_the_rest_as_written():
    assert after_yes_no("Não, agora moro na Rua A, 10") == "agora moro na Rua A, 10"
    assert after_yes_no("não, não está certo. Rua B 5") == "não está certo. Rua B 5"


@pytest.mark.parametrize("text,topic", [
    ("vou ficar com o nome no serasa?", "credit_bureaus"),
    ("vou ser negativado?", "credit_bureaus"),
    ("negativo", None),  # a plain "no"
    ("minha carteirinha vai ser bloqueada?", "card"),
    ("desbloquear o plano", "reactivation"),
    ("quando pago consigo voltar a usar o plano?", "reactivation"),
    ("mas eu tenho outra dívida de coparticipação", "extra_debts"),
    ("tenho mais um boleto atrasado", "extra_debts"),
    ("tenho mais uma dúvida", None),
    ("muito obrigado", None),
])
def test_question_topics(text, topic):
    assert question_topic(normalize(text)) == topic


@pytest.mark.parametrize("text,expected", [
    ("tá caro", True), ("ainda está caro", True), ("tem desconto?", True), ("não consigo pagar isso", True),
    ("dá pra melhorar?", True), ("muito obrigado", False), ("não sei", False), ("ok", False),
    ("tenho mais uma dúvida", False),
])
def test_discount_requests(text, expected):
    assert wants_discount(normalize(text)) is expected


@pytest.mark.parametrize("text,expected", [
    ("Rua das Flores, 120 - Centro, Dourados", True), ("Av. Brasil 500 apto 3", True),
    ("moro na travessa B, casa 4, Vila Nova", True), ("79824-000, Jardim América", True),
    ("Sim, está correto", False), ("não, não está certo", False), ("123", False), ("não sei", False),
    ("mudei de casa", False),
])
def test_what_looks_like_an_address(text, expected):
    assert looks_like_address(normalize(text)) is expected


@pytest.mark.parametrize("given,ok", [
    ("Maria Aparecida da Silva", True), ("maria aparecida silva", True), ("Silva", True),
    ("da Silva", True), ("Aparecida da Silva", True), ("aparecida", True), ("SILVA.", True),
    ("Maria", False), ("Maria Silva", False), ("Souza", False), ("da", False), ("Silva Aparecida", False),
])
def test_identity_name_alternatives(given, ok):
    assert name_matches(given, "Maria Aparecida da Silva") is ok
