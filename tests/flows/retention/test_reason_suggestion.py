"""Reasons read from real-style clinic replies, mapped to the seed-001 list."""
from __future__ import annotations

import pytest

from bot.flows.retention.reasons import suggest
from bot.flows.retention.vocabulary import REASONS


@pytest.mark.parametrize("text, reason", [
    ("Olá É q estamos com agenda lotada No momento", "carteira_particular"),
    ("Por enquanto estamos tendo Vaga só para aparelho, a agenda tá cheia", "carteira_particular"),
    ("os valores não compensam", "valores"),
    ("Boa tarde, a tabela de vocês paga muito pouco", "valores"),
    ("muita glosa, não dá mais", "glosas"),
    ("Vocês glosam tudo que a gente manda", "glosas"),
    ("vou me aposentar no fim do ano", "aposentou"),
    ("o sistema de vocês é muito difícil de usar", "sistema"),
    ("O portal trava toda hora", "sistema"),
    ("A tabela está defasada há anos, sem reajuste", "falta_reajuste"),
    ("Estou fechando o consultório em janeiro", "encerramento"),
    ("Demora demais pra liberar as guias", "prazo_guias"),
    ("Passei no concurso da prefeitura", "servidor_publico"),
    ("poucos pacientes de vocês aparecem aqui", "baixa_procura"),
    ("Vou fazer mestrado em SP", "estudos"),
    ("Bom dia, pode dar andamento por favor", None),
])
def test_reason_read_from_the_reply(text, reason):
    assert suggest(text) == reason
    assert reason is None or reason in REASONS
