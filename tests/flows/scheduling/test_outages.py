"""The operator's system down at every step of scheduling, through the signed webhook:
the person is told to try again, the conversation keeps a real state, nothing is lost."""
from __future__ import annotations

import pytest

from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from tests.conftest import MARIA
from tests.scheduling_support import appointments, book, conversation_state, later, protocols

FERNANDA = "+5567999990003"  # titular without dependents, Campo Grande
TRY_LATER = ("Não consegui falar com o sistema de agendamento agora, e nada foi alterado. "
             "Tente de novo em alguns minutos (é só repetir a resposta) ou digite *atendente*.")


def _down(self, *args, **kwargs):
    raise RegistryUnavailable("operator API timeout")


# -- item 3: a search during an outage leaves a real state -----------------------------------
def test_reschedule_search_during_an_outage_can_be_repeated(wa, rt, monkeypatch):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    monkeypatch.setattr(EmbeddedRegistry, "search_slots", _down)
    [reply] = wa.say(MARIA, "remarcar 1")
    assert reply.startswith("Vamos remarcar a consulta de 30/11/2026") and reply.endswith(TRY_LATER)
    assert "tive um problema" not in reply
    flow, state, data, _ = conversation_state(rt)
    assert (flow, state) == ("agendamento", "search_again") and data["reschedule_id"]
    monkeypatch.undo()
    results = wa.say(MARIA, "remarcar 1")[0]  # the same answer again, as the reply says
    assert "Horários livres de *Cardiologia*" in results
    assert conversation_state(rt)[1] == "pick"


def test_first_search_during_an_outage_keeps_the_journey_and_its_protocol(wa, rt, monkeypatch):
    monkeypatch.setattr(EmbeddedRegistry, "search_slots", _down)
    wa.say(FERNANDA, "marcar cardiologia")
    assert wa.say(FERNANDA, "605") == [TRY_LATER]
    flow, state, data, _ = conversation_state(rt, FERNANDA)
    assert (flow, state, data["specialty"]) == ("agendamento", "search_again", "cardiologia")
    [(number, protocol)] = protocols(rt).items()
    assert protocol[:2] == ("agendamento", "aberto")
    monkeypatch.undo()
    assert "Horários livres de *Cardiologia* em Campo Grande" in wa.say(FERNANDA, "e agora?")[0]


def test_a_search_left_waiting_is_closed_by_idle_expiry(wa, rt, monkeypatch):
    monkeypatch.setattr(EmbeddedRegistry, "search_slots", _down)
    wa.say(FERNANDA, "marcar cardiologia")
    wa.say(FERNANDA, "605")
    monkeypatch.undo()
    later(hours=1)
    wa.say(FERNANDA, "oi")
    [(_, protocol)] = protocols(rt).items()
    assert protocol[1] == "expirado"  # never "aberto" forever


def test_a_failed_start_waits_and_the_next_message_starts_again(wa, rt, monkeypatch):
    wa.say(MARIA, "marcar cardiologia amanhã")
    monkeypatch.setattr(EmbeddedRegistry, "dependents", _down)
    assert wa.say(MARIA, "116") == [TRY_LATER]
    assert conversation_state(rt)[:2] == ("agendamento", "search_again")
    monkeypatch.undo()
    ask = wa.say(MARIA, "pronto?")[0]
    assert "Para quem é a consulta?" in ask  # the opening words were kept
    results = wa.say(MARIA, "eu")[0]
    assert "Horários livres de *Cardiologia*" in results and "25/11/2026" in results


# -- item 4: the patient's record unavailable at choice, confirmation or wrong data ---------
def _at_confirmation(wa):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    assert "Confira os dados da consulta" in wa.say(MARIA, "1")[0]


@pytest.mark.parametrize("answer", ["sim", "Sim."])
def test_confirming_with_the_operator_api_down_keeps_the_confirmation(wa, rt, monkeypatch, answer):
    _at_confirmation(wa)
    before = conversation_state(rt)
    monkeypatch.setattr(EmbeddedRegistry, "beneficiary", _down)
    assert wa.say(MARIA, answer) == [TRY_LATER]
    assert conversation_state(rt) == before and appointments(rt) == []
    assert wa.say(MARIA, answer) == [TRY_LATER]
    wa.say(MARIA, answer)  # three outages in a row are not three misunderstandings
    assert conversation_state(rt) == before
    monkeypatch.undo()
    assert "Consulta agendada!" in wa.say(MARIA, answer)[0]


def test_choosing_with_the_patient_record_unavailable_keeps_the_list(wa, rt, monkeypatch):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    before = conversation_state(rt)
    monkeypatch.setattr(EmbeddedRegistry, "beneficiary", _down)
    assert wa.say(MARIA, "1") == [TRY_LATER]
    assert conversation_state(rt) == before
    monkeypatch.undo()
    assert "Confira os dados da consulta" in wa.say(MARIA, "1")[0]


def test_wrong_data_starts_the_registration_update_with_the_operator_api_down(wa, rt, monkeypatch):
    _at_confirmation(wa)
    monkeypatch.setattr(EmbeddedRegistry, "beneficiary", _down)
    reply = wa.say(MARIA, "dados incorretos")[0]
    assert "o horário ainda não foi reservado" in reply and "O que você quer atualizar?" in reply
    flow, state, data, handoff = conversation_state(rt)
    assert (flow, state, handoff) == ("registration", "which", None) and appointments(rt) == []


def test_cities_unavailable_while_filling_the_form_keeps_the_question(wa, rt, monkeypatch):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    before = conversation_state(rt)
    monkeypatch.setattr(EmbeddedRegistry, "cities", _down)
    assert wa.say(MARIA, "eu, cardiologia") == [TRY_LATER]
    assert conversation_state(rt) == before
    monkeypatch.undo()
    assert "Horários livres de *Cardiologia*" in wa.say(MARIA, "eu, cardiologia")[0]
