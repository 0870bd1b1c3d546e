"""Yes in its usual forms at the scheduling confirmations (issue 11): "pode confirmar",
"ta bom fechado", "isso é", "pode ser sim", "fechou", "bora", "confirmo", 👍. The
confirmations read yes through bot.language.intents.yes_no."""
from __future__ import annotations

import pytest

from tests.conftest import MARIA
from tests.scheduling_support import appointments, book

YES_FORMS = [
    "confirmo",
    "sim",
    "pode confirmar",
    "ta bom fechado",
    "isso é",
    "pode ser sim",
    "fechou",
    "bora",
    "👍",
]


@pytest.mark.parametrize("yes", YES_FORMS)
def test_yes_books_at_the_booking_confirmation(wa, rt, yes):
    assert "30/11/2026 às 09:00" in book(wa, pick="2", when="semana que vem")  # with "sim"
    wa.say(MARIA, "marcar cardiologia dia 1/12")
    wa.say(MARIA, "1")
    assert "Confira os dados da consulta" in wa.say(MARIA, "1")[0]
    assert "Consulta agendada!" in wa.say(MARIA, yes)[0]
    assert [a.status for a in appointments(rt)] == ["booked", "booked"]


@pytest.mark.parametrize("yes", YES_FORMS)
def test_yes_cancels_at_the_cancellation_confirmation(wa, rt, yes):
    book(wa)
    assert "Confirma o cancelamento" in "\n".join(wa.say(MARIA, "cancelar minha consulta"))
    assert "cancelada" in wa.say(MARIA, yes)[0]
    assert [a.status for a in appointments(rt)] == ["cancelled"]
