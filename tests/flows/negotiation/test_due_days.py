"""Negotiation due days: ordinals, month ends and an offer re-quoted at midnight."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, Conversation

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def test_day_with_ordinal_sets_the_due_date(wa):
    _to_offer(wa)
    assert "vencimento em *01/12/2026*" in wa.say(ROBERTO, "consigo pagar dia 1º")[0]


def test_monthly_day_is_not_claimed_when_month_ends_move_it(wa):
    clock.freeze(datetime(2026, 12, 24, 13, 0))  # due date 31/12: then 31/01, 28/02, 31/03
    _to_offer(wa)
    plan = wa.say(ROBERTO, "dia 31, em 3x")[0]
    assert "todo dia" not in plan and "uma por mês, a partir de 31/01/2027" in plan


def test_offer_is_requoted_when_its_due_date_passes_at_midnight(wa, rt):
    clock.freeze(datetime(2026, 11, 25, 3, 50))  # 23:50 in Campo Grande, 24/11
    _to_offer(wa)
    plan = wa.say(ROBERTO, "em 5x, pago hoje")[0]
    assert "com vencimento em *24/11/2026*" in plan
    clock.freeze(datetime(2026, 11, 25, 4, 10))  # 00:10: that due date has passed
    replies = wa.say(ROBERTO, "sim")
    assert "Os valores foram atualizados" in replies[0] and "com vencimento em *26/11/2026*" in replies[0]
    assert _conversation(rt, ROBERTO).state == "offer"
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.due_date.isoformat() == "2026-11-26" and agreement.installments == 5

