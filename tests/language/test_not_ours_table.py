"""config/language/not_ours.yaml: requests the bot cannot serve. The first entry that
matches wins; a provider is tried before the journeys' first words, an out-of-scope
question after them (decision 0320)."""
from __future__ import annotations

import pytest

from bot.language import not_ours


def test_entries_are_tried_in_order_provider_first():
    assert not_ours.find("SOU PRESTADOR E NINGUEM PAGA MEU FATURAMENTO").label == "prestador"
    assert not_ours.find("sou dentista, qual o horario de funcionamento?").label == "prestador"


def test_an_out_of_scope_question_is_tried_after_the_journeys_first_words():
    assert not_ours.find("onde fica a loja?", after_journeys=False) is None
    assert not_ours.find("onde fica a loja?", after_journeys=True).label == "fora_de_escopo"
    assert not_ours.find("sou dentista", after_journeys=True) is None
    # "endereco (da)" is asked about; the registration's first words come before it
    assert not_ours.find("mudei de endereco").label == "fora_de_escopo"


def test_requests_for_built_journeys_are_not_in_the_table():
    for text in ("quero a 2a via do boleto", "marcar consulta", "cancelar a consulta de sexta",
                 "quero negociar minha divida", "meus protocolos", "tenho uma duvida",
                 "cobraram a mais no meu boleto", "minha guia ja foi liberada?", "autorizar exame",
                 "meu filho fez 18", "trocar titular", "cancelar plano"):
        assert not_ours.find(text) is None, text


def test_a_malformed_table_is_refused_with_its_reason(tmp_path):
    bad = tmp_path / "not_ours.yaml"
    bad.write_text("entries:\n  - label: x\n    phrases: [y]\n", encoding="utf-8")
    with pytest.raises(not_ours.NotOursTableError, match="`what` completes"):
        not_ours.load(bad)
