"""'Dados incorretos' noticed during scheduling goes to a person."""
from __future__ import annotations

from tests.conftest import JOSE, MARIA
from tests.scheduling_support import appointments, conversation_state


def test_wrong_data_for_a_dependent_names_whose_data(wa):
    wa.say(MARIA, "marcar dermatologista")
    wa.say(MARIA, "116")
    wa.say(MARIA, "ana")
    wa.say(MARIA, "1")
    reply = wa.say(MARIA, "dados incorretos")[0]
    assert "Para corrigir os dados cadastrais de Ana" in reply and "seus dados" not in reply


def test_wrong_data_for_oneself_says_your_data(wa):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    wa.say(JOSE, "1")
    assert "Para corrigir seus dados cadastrais" in wa.say(JOSE, "dados incorretos")[0]


def test_wrong_data_noticed_at_the_slot_list_goes_to_a_human_without_booking(wa, rt):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    listing = wa.say(JOSE, "meu telefone está errado")  # before choosing a slot
    assert "Para corrigir seus dados cadastrais" in listing[0]
    assert "o horário ainda não foi reservado" in listing[0]
    assert appointments(rt) == []
    assert conversation_state(rt, JOSE)[3] == "waiting"

