"""Issue 11: the first installment was due the next day while the boletos "chegam em até
24 horas". The first due date is at least 2 business days ahead (a full business day for
the boleto to arrive, another to pay it), skipping weekends and the national and the
person's state holidays; an earlier date asked for is explained, and an offer whose date
can no longer be met when accepted is quoted again."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.flows.negotiation.due_dates import first_due_date, requested_due_date
from bot.flows.negotiation.refusal import Refusal
from bot.flows.negotiation.rules_file import RULES_DIR, load_rules
from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement

ROBERTO = "+5567999990004"  # lives in Mato Grosso do Sul
RULES = load_rules(RULES_DIR / "demo.yaml")


def _to_offer(wa) -> str:
    wa.say(ROBERTO, "quero negociar")
    return wa.say(ROBERTO, "530")[0]


@pytest.mark.parametrize("today,state,expected", [
    (date(2026, 11, 24), "MS", date(2026, 11, 26)),  # Tuesday → Thursday
    (date(2026, 11, 27), "MS", date(2026, 12, 1)),   # Friday → Tuesday
    (date(2026, 11, 19), "MS", date(2026, 11, 24)),  # 20/11 (Consciência Negra), the weekend
    (date(2026, 12, 23), "MS", date(2026, 12, 28)),  # Christmas and the weekend
    (date(2027, 10, 8), None, date(2027, 10, 13)),   # 12/10 (Nossa Senhora Aparecida)
    (date(2027, 10, 8), "MS", date(2027, 10, 14)),   # and 11/10, Mato Grosso do Sul's own
])
def test_the_first_due_date_is_two_business_days_ahead(today, state, expected):
    assert first_due_date(today, RULES, state) == expected


def test_the_first_due_date_never_leaves_the_window():
    short = RULES.model_copy(update={"max_due_days": 2})
    assert first_due_date(date(2026, 11, 27), short) == date(2026, 11, 29)  # the window's last day


@pytest.mark.parametrize("text", ["hoje", "amanhã", "dia 25", "pago dia 25/11"])
def test_a_date_before_the_boleto_can_arrive_is_refused(text):
    got = requested_due_date(text, date(2026, 11, 24), RULES, "MS")
    assert isinstance(got, Refusal) and got.reason == "due_date_too_soon"
    assert got.limit == date(2026, 12, 1)


@pytest.mark.parametrize("text,expected", [
    ("quinta", date(2026, 11, 26)), ("dia 26", date(2026, 11, 26)), ("até sexta", date(2026, 11, 27)),
    ("a partir de amanhã", date(2026, 11, 26)), ("o quanto antes", None),
])
def test_dates_from_the_first_that_can_be_met_are_taken(text, expected):
    assert requested_due_date(text, date(2026, 11, 24), RULES, "MS") == expected


def test_the_first_offer_is_due_two_business_days_ahead(wa):
    opening = _to_offer(wa)  # Tuesday 24/11/2026
    assert "com vencimento em *26/11/2026*" in opening


def test_asking_for_tomorrow_is_explained_and_the_due_date_kept(wa):
    _to_offer(wa)
    reply = wa.say(ROBERTO, "consigo pagar amanhã")[0]
    assert reply.startswith("Os boletos chegam em até 24 horas, então o primeiro vencimento "
                            "possível é *26/11/2026*.")
    assert "O vencimento pode ser de 26/11/2026 até *01/12/2026*" in reply
    assert "com o vencimento em *26/11/2026*" in reply


def test_an_offer_accepted_when_its_date_can_no_longer_be_met_is_quoted_again(wa, rt):
    clock.freeze(datetime(2026, 11, 25, 3, 50))  # 23:50 on Tuesday 24/11 in Campo Grande
    _to_offer(wa)
    assert "com vencimento em *26/11/2026*" in wa.say(ROBERTO, "em 5x")[0]
    clock.freeze(datetime(2026, 11, 25, 4, 10))  # 00:10 on Wednesday: one business day left
    replies = wa.say(ROBERTO, "sim")
    assert "Os valores foram atualizados" in replies[0] and "com vencimento em *27/11/2026*" in replies[0]
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    with transaction(rt.sessions) as s:
        [agreement] = s.scalars(select(Agreement)).all()
        assert agreement.due_date == date(2026, 11, 27) and agreement.installments == 5
