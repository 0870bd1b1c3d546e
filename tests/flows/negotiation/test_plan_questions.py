"""Date and installments in one message, and 'não' at the date question."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from storage.db import transaction
from storage.models import Agreement

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 4: several requests in one message; "não" to the date question -----------------------------
def test_date_and_installments_in_one_message_quote_the_plan_a_sim_closes(wa, rt):
    _to_offer(wa)
    assert "9x de" in wa.say(ROBERTO, "quero parcelar")[0]  # entrada + 9x on the table
    reply = wa.say(ROBERTO, "consigo pagar dia 10, em 5x")[0]
    # The date is explained and the one on the table kept; the 5x plan is quoted with it.
    assert "até *01/12/2026* (no máximo 7 dias); mantive o vencimento em *25/11/2026*" in reply
    assert "5x de" in reply and "com vencimento em *25/11/2026*" in reply and "9x" not in reply
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.installments == 5 and agreement.due_date.isoformat() == "2026-11-25"


def test_a_valid_day_and_installments_in_one_message(wa, rt):
    _to_offer(wa)
    reply = wa.say(ROBERTO, "em 4x, pagando dia 28")[0]
    assert "4x de" in reply and "com vencimento em *28/11/2026*" in reply


def test_no_to_the_date_question_is_not_a_price_objection(wa, rt):
    offer = _to_offer(wa)
    assert "Consegue pagar até essa data?" in offer and "R$ 1.410,75 à vista" in offer
    reply = wa.say(ROBERTO, "não")[0]
    assert "Consegui melhorar" not in reply and "desconto" not in reply
    assert "até *01/12/2026*" in reply and "em 5x" in reply
    assert "Consegui melhorar" not in wa.say(ROBERTO, "não consigo")[0]
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.total == Decimal("1410.75")  # the offer quoted, not a discount given for "não"

