""""Posso pagar direto na <plano>?" is recognised by the rules file's own `operator_name`
(accents and case aside), so a second operator's file works without code changes."""
from __future__ import annotations

import pytest
import yaml

from bot.flows.negotiation.language import question_topic
from bot.flows.negotiation.rules import RULES_DIR, load_rules
from bot.language.text import normalize

ROBERTO = "+5567999990004"  # two titles of code 002 in the 91–360 band
OTHER = "Vida Saúde Pantanal"


@pytest.mark.parametrize("text,operator,topic", [
    ("posso pagar direto na Vida Saude Pantanal?", OTHER, "with_collector"),
    ("DÁ PRA NEGOCIAR COM A VIDA SAÚDE PANTANAL?", OTHER, "with_collector"),
    ("prefiro quitar junto a vida saude pantanal", OTHER, "with_collector"),
    ("posso pagar direto no plano?", OTHER, "with_collector"),  # the generic words stay
    ("posso pagar direto na CASSEMS?", "CASSEMS", "with_collector"),  # the seed's file
    ("posso pagar direto na cassems?", OTHER, None),  # another operator's name is not this plan
    ("posso pagar direto na vida?", OTHER, None),  # only the whole name
    ("quero pagar direto", OTHER, None),
])
def test_with_collector_by_the_operator_name(text, operator, topic):
    assert question_topic(normalize(text), operator) == topic


@pytest.fixture
def other_operator(rt, tmp_path):
    raw = yaml.safe_load((RULES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    raw.update(operator_name=OTHER, operator_article="a", collector_name="Cobra Bem")
    path = tmp_path / "vida.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    rt.resources["negotiation_rules"] = load_rules(path)  # as NEGOTIATION_RULES_FILE would
    return rt.resources["negotiation_rules"]


def test_a_second_operators_file_answers_the_question_by_its_name(wa, other_operator):
    wa.say(ROBERTO, "negociar")
    offer = wa.say(ROBERTO, "530")[0]
    assert "R$" in offer
    [reply] = wa.say(ROBERTO, "posso pagar direto na vida saude pantanal?")
    assert reply.startswith(
        "Enquanto esses débitos estão com a Cobra Bem, a negociação é feita aqui, com a gente: "
        "a Vida Saúde Pantanal não negocia esses títulos diretamente.")
    assert "pela Vida Saúde Pantanal, pelo telefone" in reply
    assert reply.endswith("responda *sim* para fechar a condição acima ou peça outra (ex.: \"em 5x\").")
