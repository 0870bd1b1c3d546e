"""A journey's first words (Flow.first_words, decision 0320): words that name it outright
start it on a first message ahead of every journey's intents and of the out-of-scope
answer, journeys tried by rank; a provider is still a provider."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.engine import FirstWords, Flow, Journeys
from storage.db import transaction
from storage.models import Conversation, Protocol

from ..conftest import MARIA


def _started(rt) -> tuple[str | None, list[str]]:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == MARIA)).one()
        return c.flow, [p.journey for p in s.scalars(select(Protocol).order_by(Protocol.id))]


@pytest.mark.parametrize("text, journey", [
    # first words beat the best intent phrase ("boleto" names the 2ª via)
    ("o boleto veio com reajuste", "contestacao"),
    # by rank: the guide's status (50) before a new authorization (60)
    ("minha guia ja foi liberada?", "status_guia"),
    ("preciso liberar uma guia de exame", "procedimento"),
    # before the out-of-scope answer ("onde fica")
    ("quero cancelar plano, onde fica a loja de vcs?", "cancelamento"),
    ("mudei de endereco", "atualizacao_cadastral"),
])
def test_first_words_start_their_journey(wa, rt, text, journey):
    wa.say(MARIA, text)
    assert _started(rt)[1] == [journey]


def test_a_provider_writing_about_a_charge_is_a_provider(wa, rt):
    reply = wa.say(MARIA, "sou prestador e cobraram a mais no faturamento")[0]
    assert "equipe de rede credenciada" in reply
    assert _started(rt) == (None, [])


def test_two_journeys_cannot_share_a_rank():
    a = Flow("a", journey=None, needs_identity=False, first_words=FirstWords(1, ("x",)))
    b = Flow("b", journey=None, needs_identity=False, first_words=FirstWords(1, ("y",)))
    with pytest.raises(ValueError, match="rank"):
        Journeys((a, b))
