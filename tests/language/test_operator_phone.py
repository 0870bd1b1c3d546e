"""OPERATOR_PHONE is the plan's service line, offered where the bot cannot help right now."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import MARIA


@pytest.fixture
def settings(settings):
    return replace(settings, operator_phone="+558007220000")


def test_the_handoff_message_offers_the_service_phone(wa):
    [reply] = wa.say(MARIA, "quero falar com um atendente")
    assert reply.endswith("Se preferir, ligue para a nossa central: 0800 722 0000.")


def test_the_identity_block_offers_the_service_phone(wa):
    wa.say(MARIA, "2a via")
    for wrong in ("999", "998"):
        wa.say(MARIA, wrong)
    [blocked] = wa.say(MARIA, "997")
    assert "bloqueei a consulta de dados por 15 minutos depois de 3 tentativas" in blocked
    assert "ligue para a nossa central: 0800 722 0000." in blocked

