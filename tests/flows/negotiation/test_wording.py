"""pt-BR details of the offers: after a colon the sentence goes on in lower case
("Consegui melhorar para você: os títulos 002 ficam em …")."""
from __future__ import annotations

from tests.conftest import JOSE

ROBERTO = "+5567999990004"


def test_improved_cash_offer_continues_in_lower_case(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")
    better = wa.say(ROBERTO, "tá caro")[0]
    assert better.startswith("Consegui melhorar para você: os títulos 002 (Contribuição Plano Especial) ficam em")


def test_cash_after_a_plan_continues_in_lower_case(wa):
    wa.say(JOSE, "negociar")
    wa.say(JOSE, "682")
    wa.say(JOSE, "sim"), wa.say(JOSE, "sim"), wa.say(JOSE, "1")  # 001 closed; now 050 (400 days)
    wa.say(JOSE, "em 12x")
    assert "Consegui melhorar o parcelamento" in wa.say(JOSE, "tá caro")[0]
    cash = wa.say(JOSE, "ainda está caro")[0]
    assert "À vista, consigo melhorar: o título 050 (CoParticipação OPME) fica em" in cash


def test_summary_names_the_titles_in_the_plural_when_there_are_several(wa):
    wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530")  # two titles of code 002
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim")
    assert wa.say(ROBERTO, "1")[0].startswith("Acordo fechado! Resumo dos títulos 002:")


def test_summary_names_one_title_in_the_singular(wa):
    wa.say(JOSE, "negociar")
    wa.say(JOSE, "682")
    wa.say(JOSE, "sim"), wa.say(JOSE, "sim"), wa.say(JOSE, "1")  # 001 closed; now 050 (one title)
    replies = wa.say(JOSE, "sim")
    assert replies[0].startswith("Acordo fechado! Resumo do título 050:")
