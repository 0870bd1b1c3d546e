"""Routing of first messages through the signed webhook (issue 11): billing disputes,
plan cancellations and providers start no beneficiary journey; existing appointments go
to "minhas consultas"; short phrases are no longer matched inside other words."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, Protocol

from ..conftest import MARIA


def _journeys(rt) -> list[str]:
    with transaction(rt.sessions) as s:
        return [p.journey for p in s.scalars(select(Protocol).order_by(Protocol.id))]


def _conversation(rt, phone: str = MARIA) -> Conversation:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        s.expunge(c)
        return c


def test_a_billing_dispute_starts_the_dispute_not_the_2a_via(wa, rt):
    reply = wa.say(MARIA, "meu boleto veio com valor errado")[0]
    assert "Protocolo de atendimento (contestação de cobrança)" in reply
    assert _journeys(rt) == ["contestacao"]


def test_accepting_the_offered_person_queues_the_conversation(wa, rt):
    assert "atendente" in wa.say(MARIA, "qual o horario do laboratorio?")[0]
    reply = wa.say(MARIA, "pode ser sim")[0]
    assert "Protocolo" in reply and "atendentes" in reply
    assert _journeys(rt) == ["atendimento_humano"]
    c = _conversation(rt)
    assert c.handoff == "waiting" and c.handoff_reason == "pergunta fora do que o bot atende"


def test_declining_the_offered_person_ends_politely(wa, rt):
    assert "atendente" in wa.say(MARIA, "qual o horario do laboratorio?")[0]
    assert "Tudo bem" in wa.say(MARIA, "agora nao")[0]
    assert _journeys(rt) == [] and _conversation(rt).handoff is None


def test_cancelling_the_plan_is_not_paying_it(wa, rt):
    wa.say(MARIA, "cancelar o plano")
    assert _journeys(rt) == ["cancelamento"]


def test_a_provider_leaving_the_network_never_opens_a_beneficiary_journey(wa, rt):
    reply = wa.say(MARIA, "sou dentista credenciado e quero sair da rede")[0]
    assert "equipe de rede credenciada" in reply and "CPF" not in reply
    assert "3 primeiros dígitos" not in reply
    assert _journeys(rt) == []
    wa.say(MARIA, "sim")
    assert _conversation(rt).handoff_reason.startswith("prestador da rede")


def test_an_existing_appointment_with_a_specialty_goes_to_my_appointments(wa, rt):
    wa.say(MARIA, "oi, tenho consulta marcada com a dermato mas nao vou conseguir ir")
    assert _journeys(rt) == ["minhas_consultas"]


def test_a_mistyped_booking_is_not_read_as_a_cancellation(wa, rt):
    wa.say(MARIA, "marcar cosulta")
    assert _journeys(rt) == ["agendamento"]


def test_phrasings_people_use_start_their_journey(wa, rt):
    for text, journey in [("quero quitar minha divida", "negociacao"),
                          ("quais consultas eu tenho marcadas?", "minhas_consultas"),
                          ("2via", "segunda_via"), ("bolrto pfvr", "segunda_via")]:
        wa.say(MARIA, text)
        assert _journeys(rt)[-1] == journey, text
        wa.say(MARIA, "menu")


def test_a_person_asked_for_in_other_words_is_a_handoff(wa, rt):
    wa.say(MARIA, "passa pra alguem me atender")
    assert _conversation(rt).handoff == "waiting"


def test_an_out_of_scope_question_starts_nothing(wa, rt):
    reply = wa.say(MARIA, "qual o horário do laboratório?")[0]
    assert "não entendi" not in reply.lower() and "atendente" in reply
    assert _journeys(rt) == [] and _conversation(rt).flow is None
