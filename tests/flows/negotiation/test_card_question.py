"""'A carteirinha vai ser bloqueada?' is about the person's debts, not only about the code
being negotiated right now: José (codes 001 and 050) asked during the 001 agreement hears
that 050 does not block the card, and whom to ask about the rest."""
from __future__ import annotations

from tests.conftest import JOSE


def test_card_question_covers_every_code_of_the_contact(wa):
    wa.say(JOSE, "negociar")
    offer = wa.say(JOSE, "682")[0]
    assert "Os títulos 001" in offer  # the 001 agreement comes first
    card = wa.say(JOSE, "minha carteirinha vai ser bloqueada?")[0]
    assert "050 não bloqueia a sua carteirinha" in card
    assert "(001)" in card and "67 3314-1010" in card
    assert "Voltando à negociação" in card
