"""How people say yes to an offer that ends "Consegue pagar até essa data?": "consigo
pagar", "fechou", "tá bom", "pode mandar o boleto" close it; a "não" or a "mas" does not."""
from __future__ import annotations

import pytest

from bot.flows.negotiation.language import accepts

ROBERTO = "+5567999990004"


@pytest.mark.parametrize("text", [
    "fechou", "Fechou!", "tá fechado", "fechado então", "negócio fechado", "tá bom", "ta bom sim",
    "consigo pagar", "consigo pagar sim", "Consigo pagar até lá", "consigo pagar até essa data",
    "dá sim", "quero fechar", "bora fechar", "pode ser sim", "combinado então", "aceito a proposta",
    "pode mandar o boleto", "manda o boleto", "pode gerar os boletos", "vou pagar", "opa, consigo",
    "ok, pode fechar", "sim consigo pagar",
])
def test_ways_of_accepting(text):
    assert accepts(text)


@pytest.mark.parametrize("text", [
    "não consigo pagar", "nao fechou", "tá bom, mas é caro", "consigo pagar, mas só dia 10 não",
    "fechou mas quero parcelar", "não sei", "vou pensar", "tá caro", "consigo pagar não",
    "dá não", "quero parcelar", "não quero", "ok", "pode mandar",
])
def test_not_an_acceptance(text):
    # "ok" and "pode mandar" are yes_no's / ACCEPT's already; accepts() only adds phrases
    assert not accepts(text) or text in ("ok", "pode mandar")


@pytest.mark.parametrize("answer", ["consigo pagar", "fechou", "tá bom"])
def test_the_natural_answer_closes_the_offer(wa, answer):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, answer)[0]
    assert "confirme seu endereço" in reply
