"""The first offer's due date: next business day by default, a date the person names, the window."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.flows.negotiation.rules import (
    Refusal,
    first_due_date,
    load_rules,
    requested_due_date,
)
from storage.db import transaction
from storage.models import Agreement, Conversation

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


RULES = load_rules()


TODAY = date(2026, 11, 24)  # a Tuesday, as the suite's frozen clock


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone=ROBERTO):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 1: the due date ------------------------------------------------------------------------------
@pytest.mark.parametrize("today,expected", [
    (date(2026, 11, 24), date(2026, 11, 25)),  # Tuesday → Wednesday
    (date(2026, 11, 27), date(2026, 11, 30)),  # Friday → Monday (no boleto due on a weekend)
    (date(2026, 11, 19), date(2026, 11, 23)),  # 20/11 (Consciência Negra) and the weekend skipped
    (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas and the weekend skipped
])
def test_first_offer_is_due_the_next_business_day(today, expected):
    assert first_due_date(today, RULES) == expected
    assert today < expected <= today + timedelta(days=RULES.max_due_days)


def test_first_due_date_never_leaves_the_window():
    same_day = RULES.model_copy(update={"max_due_days": 0})
    assert first_due_date(TODAY, same_day) == TODAY
    short = RULES.model_copy(update={"max_due_days": 2})
    assert first_due_date(date(2026, 11, 27), short) == date(2026, 11, 29)  # the window's last day


@pytest.mark.parametrize("text,expected", [
    ("consigo pagar dia 10", "beyond"), ("dia 05/12", "beyond"), ("05/12/2026", "beyond"),
    ("dia 20 do mês que vem", "beyond"), ("a partir de 10/12", "beyond"),
    ("dia 28/11", date(2026, 11, 28)), ("consigo no dia 30/11", date(2026, 11, 30)),
    ("sexta", date(2026, 11, 27)), ("pode ser sexta-feira?", date(2026, 11, 27)),
    ("até sexta", date(2026, 11, 27)), ("amanhã", date(2026, 11, 25)), ("hoje", TODAY),
    ("semana que vem", date(2026, 12, 1)), ("dia 1º", date(2026, 12, 1)), ("dia 25", date(2026, 11, 25)),
    ("dia 20/11", "past"), ("20/11/2026", "past"), ("ontem", "past"), ("semana passada", "past"),
    ("em 5x", None), ("entrada de 150", None), ("R$ 1.410,75", None), ("o quanto antes", None),
    ("sim", None), ("segunda parcela", None),
])
def test_requested_due_date(text, expected):
    got = requested_due_date(text, TODAY, RULES)
    if expected in ("beyond", "past"):
        assert isinstance(got, Refusal) and got.limit == date(2026, 12, 1)
        assert got.reason == ("due_date" if expected == "beyond" else "due_date_past")
    else:
        assert got == expected


def test_first_offer_uses_the_next_business_day_and_says_how_far_it_can_go(wa):
    offer = _to_offer(wa)
    assert "com vencimento em *25/11/2026*. Consegue pagar até essa data?" in offer
    assert "outra data de pagamento até 01/12/2026" in offer


def test_a_date_the_person_names_is_quoted_and_closed(wa, rt):
    _to_offer(wa)
    offer = wa.say(ROBERTO, "consigo pagar na sexta")[0]
    assert "*R$ 1.410,75 à vista*" in offer and "vencimento em *27/11/2026*" in offer
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.due_date == date(2026, 11, 27) and agreement.boletos[0]["due_date"] == "2026-11-27"


@pytest.mark.parametrize("text,opening", [
    ("dia 05/12", "O vencimento pode ser"),
    ("consigo pagar dia 10", "O vencimento pode ser"),
    ("dia 20/11", "Essa data já passou. O vencimento pode ser"),
])
def test_a_date_beyond_the_window_or_past_is_explained_and_nothing_changes(wa, rt, text, opening):
    _to_offer(wa)
    wa.say(ROBERTO, "em 3x")
    before = _conversation(rt).data["pending"]
    for _ in range(3):  # understood, only not possible: never counted as a misunderstanding
        [reply] = wa.say(ROBERTO, text)
        assert reply == (f"{opening} de hoje (24/11/2026) até *01/12/2026* (no máximo 7 dias). "
                         "Escolha um dia até lá (ex.: \"dia 1\") ou responda *sim* para fechar com "
                         "o vencimento em *25/11/2026*.")
    conversation = _conversation(rt)
    assert conversation.handoff is None and conversation.state == "offer"
    assert conversation.data["pending"] == before and conversation.data["due"] == "2026-11-25"
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.installments == 3 and agreement.due_date == date(2026, 11, 25)

