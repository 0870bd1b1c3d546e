"""Agreement boletos sent again or reissued (ATZ) by how long ago they expired."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, IssuedBill

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def _later(**delta):
    clock.freeze(clock.now() + timedelta(**delta))


# -- 2: ATZ only for a boleto that expired ---------------------------------------------------------
def _cash_agreement(wa):
    _to_offer(wa)  # due 25/11
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    wa.say(ROBERTO, "menu")


def _negotiate_again(wa):
    replies = wa.say(ROBERTO, "quero negociar")
    return "\n".join(wa.say(ROBERTO, "530") if "3 primeiros" in replies[-1] else replies)


def test_a_boleto_due_today_is_sent_again_not_reissued(wa, rt):
    _cash_agreement(wa)
    bill_ref = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=1)  # 25/11: due today, still payable
    text = _negotiate_again(wa)
    assert "acordo em andamento" in text and "vencimento em *25/11/2026*" in text
    assert "reemiti" not in text and "Linha digitável" in text
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 0 and agreement.boletos[0]["bill_ref"] == bill_ref
    with transaction(rt.sessions) as s:
        assert s.scalars(select(IssuedBill.status).where(IssuedBill.ref == bill_ref)).one() == "open"


def test_a_boleto_that_expired_days_ago_is_reissued(wa, rt):
    _cash_agreement(wa)
    old = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=3)  # 27/11: expired two days ago
    text = _negotiate_again(wa)
    assert "com boleto vencido em 25/11/2026" in text and "novo vencimento em *04/12/2026*" in text
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 1 and agreement.boletos[0]["bill_ref"] != old
    with transaction(rt.sessions) as s:
        assert s.scalars(select(IssuedBill.status).where(IssuedBill.ref == old)).one() == "cancelled"

