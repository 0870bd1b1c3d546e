"""Numbers written in words in a negotiation ("quinze vezes", "entrada de duzentos reais",
"dia dez"): read like digits, so a count beyond the limit is explained rather than
ignored, and an entrada in words is the person's cap."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from bot.flows.negotiation.rules import parse_installment_request

ROBERTO = "+5567999990004"  # code 002: entrada + 9x


@pytest.mark.parametrize("text,n,entrada,day", [
    ("quanto fica em quinze vezes", 15, None, None),
    ("posso parcelar em vinte vezes?", 20, None, None),
    ("em vinte e quatro parcelas", 24, None, None),
    ("dá pra fazer em onze vezes", 11, None, None),
    ("e em 6 parcelas com entrada de duzentos reais?", 6, D("200.00"), None),
    ("só consigo dar cento e cinquenta de entrada", None, D("150.00"), None),
    ("entrada de mil e duzentos", None, D("1200.00"), None),
    ("entrada de 2 mil e o resto em 4x", 4, D("2000.00"), None),
    ("entrada de dois mil e quinhentos", None, D("2500.00"), None),
    ("entrada de cem reais e o resto em cinco", 5, D("100.00"), None),
    ("consigo pagar dia dez", None, None, 10),
    ("dia vinte e cinco", None, None, 25),
    # articles stay articles
    ("posso dar uma entrada de 200", None, D("200.00"), None),
    ("uma vez só", None, None, None),
    ("entrada de 300 e dez vezes", 10, D("300.00"), None),
])
def test_numbers_in_words(text, n, entrada, day):
    request = parse_installment_request(text)
    assert (request.installments, request.entrada, request.day) == (n, entrada, day)


def test_a_count_in_words_beyond_the_limit_is_explained(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "quanto fica em quinze vezes")[0]
    assert "vai até entrada + 9 parcelas" in reply and "9x de" in reply
    reply = wa.say(ROBERTO, "posso parcelar em vinte vezes?")[0]
    assert "vai até entrada + 9 parcelas" in reply


def test_an_entrada_in_words_is_the_persons_cap(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "e em 6 parcelas com entrada de trezentos reais?")[0]
    assert reply.startswith("Fica assim")
    assert "Entrada de *R$ 300,00*" in reply or "Entrada de *R$ 299," in reply
    assert "6x de" in reply
