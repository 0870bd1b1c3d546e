"""Polite closings and requests for a person, through the signed webhook: thanks and "ok"
are never misunderstandings, "Há algo mais…?" is answered, and any usual way of asking
for a person reaches one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.language import intents
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA

ROBERTO = "+5567999990004"
NOT_UNDERSTOOD = "não entendi"
THANKS = "Por nada! 😊 Quando precisar, é só escrever ou digitar *menu*."
ACK = "Combinado! 😊 Quando precisar, é só escrever ou digitar *menu*."
GOODBYE = "Até logo! Obrigado pelo contato. 😊 Quando precisar, é só escrever ou digitar *menu*."


def _second_copy_sent(wa) -> None:
    """A finished journey: Maria gets November's bill; the conversation is idle again."""
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    assert "Linha digitável" in " ".join(wa.say(MARIA, "1"))


def _state(rt, phone=MARIA):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        journeys = [p.journey for p in s.scalars(select(Protocol).order_by(Protocol.id))]
        return c.handoff, c.misunderstandings, journeys


@pytest.mark.parametrize("text,expected", [
    ("obrigada!!", THANKS), ("valeu", THANKS), ("Muito obrigado pela ajuda, boa noite", THANKS),
    ("👍", ACK), ("🙏🏻", ACK), ("ok", ACK), ("blz", ACK), ("Ok, entendi", ACK),
    ("nao obrigada", GOODBYE), ("Não, obrigada 😊", GOODBYE), ("tchau", GOODBYE),
    ("era só isso, obrigado", GOODBYE),
])
def test_closing_after_a_finished_journey_gets_a_short_friendly_reply(wa, rt, text, expected):
    _second_copy_sent(wa)
    assert wa.say(MARIA, text) == [expected]
    assert _state(rt)[:2] == (None, 0)


def test_repeated_thanks_never_escalate(wa, rt):
    _second_copy_sent(wa)
    for text in ("obrigada", "obrigada!!", "valeu mesmo", "👍", "ok"):
        [reply] = wa.say(MARIA, text)
        assert NOT_UNDERSTOOD not in reply.lower() and "atendente" not in reply
    handoff, misunderstandings, journeys = _state(rt)
    assert handoff is None and misunderstandings == 0 and "atendimento_humano" not in journeys


def test_thanks_inside_a_journey_repeats_the_question_without_counting(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    for _ in range(3):
        [reply] = wa.say(MARIA, "obrigada")
        assert "atendentes" not in reply
    assert _state(rt)[:2] == (None, 0)
    assert "Linha digitável" in " ".join(wa.say(MARIA, "1"))  # the journey is still there


def _declined_negotiation(wa) -> None:
    """2ª via of an overdue bill, negotiation declined: "Posso ajudar em algo mais?"."""
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, "116")[0]
    overdue = [line for line in listing.splitlines() if "(vencido)" in line][0].split(".")[0]
    wa.say(MARIA, overdue)
    assert "Posso ajudar em algo mais?" in wa.say(MARIA, "não")[0]


def test_yes_to_anything_else_shows_the_menu(wa, rt):
    _declined_negotiation(wa)
    [reply] = wa.say(MARIA, "sim")
    assert "Como posso ajudar?" in reply and "1. 2ª via de boleto" in reply
    assert NOT_UNDERSTOOD not in reply.lower()


def test_no_to_anything_else_says_goodbye(wa, rt):
    _declined_negotiation(wa)
    assert wa.say(MARIA, "não") == [GOODBYE]
    assert _state(rt)[:2] == (None, 0)


def test_no_to_anything_else_after_an_agreement_says_goodbye(wa):
    wa.say(ROBERTO, "tenho débito")
    wa.say(ROBERTO, "530")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    assert "Há algo mais em que eu possa ajudar?" in wa.say(ROBERTO, "1")[-1]
    assert wa.say(ROBERTO, "Não") == [GOODBYE]


@pytest.mark.parametrize("text", [
    "obrigado, quero a 2a via", "ok, e meus protocolos?", "não entendi nada", "sim, mas e o boleto?",
])
def test_a_closing_word_with_a_request_is_not_a_closing(text):
    assert intents.closing(text) is None


# -- item 3: every usual way of asking for a person -----------------------------------------
@pytest.mark.parametrize("text", [
    "preciso falar com alguem", "Preciso falar com alguém!", "quero falar com atendente",
    "falar com uma pessoa", "atendimento humano", "falar com gente de verdade",
    "quero falar com um humano", "tem como falar com uma pessoa real?",
    "quero conversar com alguém", "me passa pra um atendente", "quero uma pessoa",
])
def test_requests_for_a_person_reach_the_human_queue(wa, rt, text):
    [reply] = wa.say(MARIA, text)
    assert "transferir você para um de nossos atendentes" in reply
    assert _state(rt)[0] == "waiting"


@pytest.mark.parametrize("text", ["minha operadora", "quero a 2a via", "pessoa jurídica"])
def test_other_words_are_not_requests_for_a_person(text):
    assert intents.command(text) is None


def test_leaving_after_the_bill_was_sent_keeps_the_protocol_concluded(wa, rt):
    _second_copy_sent(wa)
    wa.say(MARIA, "cancelar")
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.journey == "segunda_via")).one()
        assert protocol.status == "concluido"
