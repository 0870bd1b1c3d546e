"""config/language/not_ours.yaml: requests the bot cannot serve yet. The first entry that
matches wins, and an entry a built journey has taken over is skipped."""
from __future__ import annotations

import pytest

from bot.language import not_ours


def test_entries_are_tried_in_order_provider_first():
    assert not_ours.find("SOU PRESTADOR E NINGUEM PAGA MEU FATURAMENTO").label == "prestador"
    assert not_ours.find("cobraram a mais no meu boleto").label == "contestacao"
    assert not_ours.find("minha guia ja foi liberada?").label == "status_guia"
    assert not_ours.find("preciso liberar uma guia de exame").label == "procedimento"
    assert not_ours.find("autorizar exame").label == "procedimento"


def test_requests_for_built_journeys_are_not_in_the_table():
    for text in ("quero a 2a via do boleto", "marcar consulta", "cancelar a consulta de sexta",
                 "quero negociar minha divida", "meus protocolos", "tenho uma duvida"):
        assert not_ours.find(text) is None, text


def test_a_malformed_table_is_refused_with_its_reason(tmp_path):
    bad = tmp_path / "not_ours.yaml"
    bad.write_text("entries:\n  - label: x\n    phrases: [y]\n", encoding="utf-8")
    with pytest.raises(not_ours.NotOursTableError, match="`what` completes"):
        not_ours.load(bad)
