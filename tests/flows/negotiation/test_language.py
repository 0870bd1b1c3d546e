"""Table-driven readings of free text in the negotiation: yes/no, the script's questions,
"está caro", addresses and the identity name alternatives."""
from __future__ import annotations

import pytest

from bot.flows.negotiation.language import (
    looks_like_address,
    moved,
    not_moved,
    question_topic,
    refuses,
    wants_discount,
)
from bot.language.intents import after_yes_no, yes_no
from bot.language.names import name_matches
from bot.language.text import normalize


@pytest.mark.parametrize("text,expected", [
    ("sim", True), ("Sim.", True), ("SIM!", True), ("sim, pode ser", True), ("Sim, está correto", True),
    ("isso", True), ("isso mesmo", True), ("correto", True), ("Está correto.", True), ("ok", True),
    ("pode ser", True), ("sim sim", True), ("👍 sim", True),
    ("não", False), ("Não.", False), ("nao, não está certo", False), ("errado", False),
    ("negativo", False), ("Não, agora moro na Rua A, 10", False),
    ("não sei", None), ("sim, mas mudei de casa", None), ("talvez", None), ("", None),
    ("muito obrigado", None),
    # the usual forms (issue 11, tests/corpus/slots/yes_no.yaml): "não quero" is a no,
    # "fechado" a yes, at every question
    ("nao quero", False), ("fechado", True),
])
def test_yes_no(text, expected):
    assert yes_no(text) is expected


def test_extra_yes_words_are_per_question():
    assert yes_no("manda ver") is None
    assert yes_no("manda ver!", extra_yes=frozenset({"manda ver"})) is True


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
    ("tambem tenho uma conta do hospital que nao ta aqui", "extra_debts"),
    ("tem um boleto de outubro que não está aqui", "extra_debts"),
    ("nao reconheco esse debito", "dispute"), ("não devo isso", "dispute"), ("já paguei", "dispute"),
    ("isso já foi pago", "dispute"), ("esse débito não é meu", "dispute"),
    ("cobrança indevida", "dispute"), ("nunca usei esse plano", "dispute"),
    ("não sei", None), ("não quero", None),
    ("não devo conseguir pagar tudo", None), ("não fiz o pagamento ainda", None),
    ("não fiz esse exame", "dispute"),
])
def test_question_topics(text, topic):
    assert question_topic(normalize(text)) == topic


@pytest.mark.parametrize("text,expected", [
    ("tá caro", True), ("ainda está caro", True), ("tem desconto?", True), ("não consigo pagar isso", True),
    ("dá pra melhorar?", True), ("muito obrigado", False), ("não sei", False), ("ok", False),
    ("tenho mais uma dúvida", False),
    # answers to "consegue pagar até essa data?": about the date, not the price
    ("não", False), ("não consigo", False), ("não dá", False), ("não consigo pagar esse valor", True),
])
def test_discount_requests(text, expected):
    assert wants_discount(normalize(text)) is expected


@pytest.mark.parametrize("text,expected", [
    ("nao quero, obrigado", True), ("Não quero.", True), ("não quero negociar", True),
    ("nao tenho como pagar agora", True), ("não consigo pagar agora", True), ("agora não", True),
    ("deixa pra depois", True), ("não tenho interesse", True),
    ("não quero parcelar", False), ("não quero à vista", False), ("quero sim", False), ("não", False),
    ("não consigo pagar esse valor", False), ("não sei", False),
])
def test_refusals(text, expected):
    assert refuses(normalize(text)) is expected


@pytest.mark.parametrize("text,is_moved,is_not_moved", [
    ("mudei sim", True, False), ("moro em outro lugar agora", True, False), ("me mudei", True, False),
    ("não mudei", False, True), ("continua o mesmo", False, True), ("sim", False, False),
])
def test_moves(text, is_moved, is_not_moved):
    assert (moved(normalize(text)), not_moved(normalize(text))) == (is_moved, is_not_moved)


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
    ("Maria Silva", True), ("Maria da Silva", True),  # first name + surname
    ("Maria", False), ("Souza", False), ("da", False), ("Silva Aparecida", False), ("Maria Souza", False),
    ("Silva Maria", False),
])
def test_identity_name_alternatives(given, ok):
    assert name_matches(given, "Maria Aparecida da Silva") is ok
