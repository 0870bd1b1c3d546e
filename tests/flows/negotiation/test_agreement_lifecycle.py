"""Agreements after closing: ATZ reissues, next boleto, broken agreements, the team's cases."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.pipeline import sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, Conversation, FinancialTitle, IssuedBill

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _bills(rt):
    with transaction(rt.sessions) as s:
        return {b.ref: b for b in s.scalars(select(IssuedBill))}


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def _cash_agreement(wa, phone=ROBERTO):
    """A cash agreement due 01/12/2026 (the latest day allowed; the first offer is due the
    next business day, 25/11)."""
    _to_offer(wa, phone)
    assert "vencimento em *01/12/2026*" in wa.say(phone, "dia 1º")[0]
    wa.say(phone, "sim")
    wa.say(phone, "sim")
    return wa.say(phone, "1")


def _later(**delta):
    clock.freeze(clock.now() + timedelta(**delta))


def _negotiate_again(wa, phone=ROBERTO, cpf3="530"):
    replies = wa.say(phone, "quero negociar")
    if "3 primeiros" in replies[-1]:
        replies = wa.say(phone, cpf3)
    return replies


# -- 5: ATZ and the life of an agreement -------------------------------------------------------
def test_right_after_an_agreement_the_person_is_told_about_it(wa, rt, twilio):
    _cash_agreement(wa)
    _later(hours=2)
    replies = _negotiate_again(wa)
    text = "\n".join(replies)
    assert "Não encontrei débitos" not in text
    assert "acordo em andamento" in text and "R$ 1.410,75" in text and "01/12/2026" in text
    assert "Linha digitável" in text  # the boleto sent again
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 0 and agreement.status == "active"


def test_atz_at_most_n_times_and_the_superseded_bill_is_cancelled(wa, rt):
    _cash_agreement(wa)
    first_bill = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=8)  # expired yesterday: inside the ATZ window (1..5 days past due)
    assert "reemiti o boleto" in "\n".join(_negotiate_again(wa))
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 1 and agreement.due_date == clock.today() + timedelta(days=7)
    bills = _bills(rt)
    assert bills[first_bill].status == "cancelled"
    current = agreement.boletos[0]["bill_ref"]
    assert bills[current].status == "open" and bills[current].due_date == agreement.due_date
    assert "reemissão" in bills[current].description
    wa.say(ROBERTO, "menu")
    _later(days=10)  # the reissued boleto expired 3 days ago
    assert "reemiti o boleto" in "\n".join(_negotiate_again(wa))
    wa.say(ROBERTO, "menu")
    _later(days=9)  # reissued twice (atz_max_reissues): a person decides, no third reissue
    text = "\n".join(_negotiate_again(wa))
    assert "reemiti o boleto" not in text and "atendente" in text
    assert _agreements(rt)[0].reissue_count == 2


def test_installments_track_the_next_unpaid_boleto(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "em 3x")
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    entrada, first = agreement.boletos[0], agreement.boletos[1]
    with transaction(rt.sessions) as s:
        s.execute(update(IssuedBill).where(IssuedBill.ref == entrada["bill_ref"]).values(status="paid"))
    clock.freeze(datetime.fromisoformat(first["due_date"]) + timedelta(hours=13) + timedelta(days=2))
    assert "reemiti o boleto" in "\n".join(_negotiate_again(wa))
    [agreement] = _agreements(rt)
    assert agreement.boletos[0]["bill_ref"] == entrada["bill_ref"] and agreement.boletos[0]["paid"]
    assert agreement.boletos[1]["bill_ref"] != first["bill_ref"]
    assert "reemissão da parcela 1/3" in _bills(rt)[agreement.boletos[1]["bill_ref"]].description


def test_an_agreement_overdue_beyond_the_grace_is_broken_and_its_titles_negotiable_again(wa, rt):
    _cash_agreement(wa)
    bill_ref = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=7 + 11)  # the boleto is 11 days overdue; agreement_break_after_days is 10
    offer = "\n".join(_negotiate_again(wa))
    assert "Encontrei estes títulos em aberto" in offer and "à vista" in offer  # negotiable again
    [agreement] = _agreements(rt)
    assert agreement.status == "broken"
    assert _bills(rt)[bill_ref].status == "cancelled"


def test_the_sweeper_breaks_overdue_agreements_without_a_new_contact(wa, rt):
    _cash_agreement(wa)
    with transaction(rt.sessions) as s:
        assert set(s.scalars(select(FinancialTitle.status).where(FinancialTitle.code == "002"))) == {"negotiated"}
    _later(days=7 + 10)
    sweep.sweep(reschedule=False)
    assert _agreements(rt)[0].status == "active"  # 10 days: still within the grace
    _later(days=1)
    sweep.sweep(reschedule=False)
    assert _agreements(rt)[0].status == "broken"
    with transaction(rt.sessions) as s:
        assert set(s.scalars(select(FinancialTitle.status).where(FinancialTitle.code == "002"))) == {"open"}


def test_an_overdue_agreement_outside_the_window_goes_to_a_person(wa, rt):
    _cash_agreement(wa)
    _later(days=7 + 7)  # 7 days overdue: past the ATZ window, within the grace
    text = "\n".join(_negotiate_again(wa))
    assert "vencido em 01/12/2026" in text and "atendente" in text
    conversation = _conversation(rt, ROBERTO)
    assert conversation.handoff == "waiting" and "fora da janela de reemissão" in conversation.handoff_reason


def test_protocol_list_names_the_agreement_status(wa):
    _cash_agreement(wa)
    listing = wa.say(ROBERTO, "meus protocolos")[0]
    assert "Negociação de débitos – acordo fechado" in listing

