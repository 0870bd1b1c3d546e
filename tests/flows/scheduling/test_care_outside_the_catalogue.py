"""Care outside the catalogue is said at once and never derails the journey."""
from __future__ import annotations

import pytest

from tests.conftest import MARIA
from tests.scheduling_support import (
    conversation_state,
    protocols,
)

# -- item 2: care the journey cannot book ----------------------------------------------------
SCHEDULABLE = ("Cardiologia, Cirurgia Geral, Clínica Médica, Dermatologia, Endocrinologia, "
               "Ginecologia e Obstetrícia, Neurologia, Odontologia, Oftalmologia, "
               "Ortopedia e Traumatologia, Otorrinolaringologia, Pediatria, Psiquiatria, "
               "Urologia")


def _outside(area: str, lower: str | None = None) -> str:
    return (f"{area} eu ainda não agendo por aqui. Pelo WhatsApp eu marco consultas de: "
            f"{SCHEDULABLE}.\nPara {lower or area.lower()}, digite *atendente* para falar com a "
            "nossa equipe ou ligue para (67) 3314-1010. Se for uma das especialidades acima, é "
            "só dizer qual.")


@pytest.mark.parametrize("words, area", [
    ("marcar psicólogo", "Psicologia"), ("quero nutricionista", "Nutrição"),
    ("fisioterapia", "Fisioterapia"), ("agendar consulta com fonoaudióloga", "Fonoaudiologia"),
    ("preciso de um nefrologista", "Nefrologia"),
])
def test_care_outside_the_catalogue_is_said_at_once_without_a_protocol(wa, rt, words, area):
    assert wa.say(MARIA, words) == [_outside(area)]
    assert conversation_state(rt)[:2] == (None, None)
    assert protocols(rt) == {}  # nothing was started: no protocol, no identity check


def test_exams_are_pointed_to_a_person(wa, rt):
    [reply] = wa.say(MARIA, "marcar exame de sangue")
    assert reply.startswith("Exames eu ainda não agendo por aqui.") and "Para exames, digite *atendente*" in reply
    assert protocols(rt) == {}


def test_care_outside_the_catalogue_while_asked_the_specialty_keeps_the_question(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    assert "Qual especialidade" in wa.say(MARIA, "eu")[0]
    before = conversation_state(rt)
    assert wa.say(MARIA, "psicóloga") == [_outside("Psicologia")]
    assert conversation_state(rt) == before
    assert wa.say(MARIA, "nutricionista") == [_outside("Nutrição")]  # never counted as confusion
    assert "Horários livres de *Cardiologia*" in wa.say(MARIA, "cardiologita")[0]  # a typo still works


def test_care_outside_the_catalogue_with_other_answers_keeps_them(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    assert wa.say(MARIA, "João, fisioterapeuta em Dourados") == [_outside("Fisioterapia")]
    data = conversation_state(rt)[2]
    assert data["patient"] != data["family"][0]["ref"] and data["city"] == ["Dourados", "MS"]
    assert "Horários livres de *Pediatria* em Dourados" in wa.say(MARIA, "pediatra")[0]


def test_care_outside_the_catalogue_at_the_list_keeps_the_list(wa, rt):
    wa.say(MARIA, "marcar cardiologia semana que vem")
    wa.say(MARIA, "116")
    wa.say(MARIA, "eu")
    before = conversation_state(rt)
    assert wa.say(MARIA, "e fisioterapia?") == [_outside("Fisioterapia")]
    assert conversation_state(rt) == before
    assert "Confira os dados da consulta" in wa.say(MARIA, "1")[0]


def test_asking_for_care_outside_the_catalogue_in_another_journey_keeps_it(wa, rt):
    wa.say(MARIA, "2a via do boleto")
    wa.say(MARIA, "116")
    before = conversation_state(rt)
    reply = wa.say(MARIA, "quero agendar fisioterapia")[0]
    busy = _outside("Fisioterapia").replace(
        "Se for uma das especialidades acima, é só dizer qual.",
        "Para marcar uma dessas especialidades, escreva *marcar consulta* quando terminar o "
        "assunto atual.")
    # The hint names a month of the list (issue 11): the newest one, listed first.
    assert reply == busy + ("\n\nNão encontrei esse boleto. Responda com um número de 1 a 4 "
                            "(ou vários, ex.: \"1 e 2\") ou com o mês (ex.: \"novembro\" ou "
                            "\"11/2026\"), ou \"o vencido\".")
    assert conversation_state(rt)[:3] == before[:3]


def test_care_outside_the_catalogue_while_asked_who_asks_who_again(wa, rt):
    wa.say(MARIA, "marcar consulta")
    ask = wa.say(MARIA, "116")[0]
    assert ask.startswith("Para quem é a consulta? E qual a especialidade?")
    before = conversation_state(rt)
    assert wa.say(MARIA, "psicólogo") == [_outside("Psicologia") + "\n\n" + ask]
    assert conversation_state(rt) == before

