"""2ª via, round 2, through the signed webhook: the agreement's boletos in the list and its
titles never offered again; the overdue message promising only what the negotiation gives;
the month in the first message; two bills in one month; several bills at once; another
bill right after one."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, FinancialTitle, Protocol

from .conftest import MARIA

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreement_by_whatsapp(wa, plan="em 3x"):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    wa.say(ROBERTO, "tá caro")  # interest and fine waived, for the plan too
    wa.say(ROBERTO, plan)
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    wa.say(ROBERTO, "menu")


def _agreement(rt):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Agreement)).one()


def _numbered(listing: str) -> list[str]:
    return [line for line in listing.splitlines() if line[:1].isdigit() and ". " in line[:4]]


# -- 7a: the agreement's boletos -----------------------------------------------------------------
def test_after_an_agreement_its_open_boletos_are_in_the_second_copy(wa, rt, twilio):
    _agreement_by_whatsapp(wa)
    agreement = _agreement(rt)
    listing = wa.say(ROBERTO, "2a via")[0]
    lines = _numbered(listing)
    assert lines[0] == f"1. Acordo {agreement.id} – título 002 – entrada – R$ 330,03 – vence 26/11/2026"
    assert lines[1].startswith(f"2. Acordo {agreement.id} – título 002 – parcela 1/3 – ")
    assert "vence 26/12/2026" in lines[1] and len(lines) == 4
    assert "Contribuição Plano Especial" not in listing  # the negotiated titles: not bills to pay
    bill = wa.say(ROBERTO, "1")[0]
    assert f"*Acordo {agreement.id} – título 002 – entrada*" in bill and "Linha digitável" in bill
    assert twilio.created[-1]["MediaUrl"].endswith(f"/boleto-acordo-{agreement.id}-entrada.pdf")


def test_negotiated_titles_the_operator_still_reports_open_are_not_offered_again(wa, rt):
    _agreement_by_whatsapp(wa)
    with transaction(rt.sessions) as s:  # an operator system that does not mark them
        s.execute(update(FinancialTitle).where(FinancialTitle.code == "002").values(status="open"))
    listing = wa.say(ROBERTO, "2a via")[0]
    assert "(vencido)" not in listing and "Contribuição Plano Especial" not in listing
    wa.say(ROBERTO, "menu")
    again = "\n".join(wa.say(ROBERTO, "quero negociar"))
    assert "acordo em andamento" in again and "Encontrei estes títulos" not in again


# -- 7b: the overdue message promises only what the negotiation gives ---------------------------
def test_overdue_bill_in_the_no_discount_band_promises_no_discount_nor_another_amount(wa):
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, "116")[0]
    overdue = next(line for line in _numbered(listing) if "(vencido)" in line).split(".")[0]
    reply = wa.say(MARIA, overdue)[0]  # 20 days overdue: the 0–90 band, no discount
    assert "venceu em" in reply and "Quer negociar?" in reply
    assert "desconto" not in reply and "Valor atualizado" not in reply and "R$" not in reply
    offer = wa.say(MARIA, "sim")[0]
    assert "R$ 505,47 à vista" in offer  # the only amount the person is told


def test_overdue_bill_in_a_discount_band_mentions_the_discount(wa):
    wa.say(ROBERTO, "2a via")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "1")[0]  # 150 days overdue: interest and fine waived
    assert "com o valor atualizado e desconto" in reply


# -- 8: choosing --------------------------------------------------------------------------------
def test_a_month_in_the_first_message_skips_the_list(wa, rt):
    with transaction(rt.sessions) as s:  # November: one bill left (001)
        s.execute(update(FinancialTitle).where(FinancialTitle.ref == "T1004").values(status="cancelled"))
    wa.say(MARIA, "preciso do boleto de novembro")
    reply = wa.say(MARIA, "116")[0]
    assert "2ª via do boleto de *novembro/2026*" in reply and "Linha digitável" in reply
    assert "Responda com o número" not in reply


def test_a_month_with_two_bills_asks_which_listing_only_those(wa, twilio):
    wa.say(MARIA, "segunda via boleto novembro")
    which = wa.say(MARIA, "116")[0]
    assert "Encontrei 2 boletos nesse mês" in which and len(_numbered(which)) == 2
    assert "outubro" not in which
    before = len(twilio.created)
    replies = wa.say(MARIA, "os dois")
    assert len(replies) == 2 and all("Linha digitável" in r for r in replies)
    assert all("MediaUrl" in m for m in twilio.created[before:])


def test_two_bills_in_the_month_typed_in_the_list_asks_which(wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    which = wa.say(MARIA, "novembro")[0]
    assert "Encontrei 2 boletos nesse mês" in which
    assert "Linha digitável" in wa.say(MARIA, "1")[0]


def test_several_numbers_send_each_bill(wa, rt, twilio):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    replies = wa.say(MARIA, "1 e 2")
    assert len(replies) == 2 and all("Linha digitável" in r for r in replies)
    assert "novembro/2026" in replies[0] and "novembro/2026" in replies[1]
    assert replies[0] != replies[1]


def test_another_bill_right_after_one_is_the_list_not_the_menu(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    first = wa.say(MARIA, "1")[0]
    assert "Precisa de outro boleto da lista? Responda com o número (ex.: 2)" in first
    second = wa.say(MARIA, "2")[0]  # not the menu's "2" (scheduling)
    assert "Linha digitável" in second and "consulta" not in second
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol)).one()  # one protocol, both deliveries noted
        assert protocol.status == "concluido"
        assert [e.status for e in protocol.events] == ["aberto", "concluido", "concluido"]


def test_the_extra_choice_lapses_and_the_menu_answers_again(wa, rt):
    from datetime import timedelta

    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    clock.freeze(clock.now() + timedelta(minutes=11))
    assert "Linha digitável" not in wa.say(MARIA, "2")[0]  # the menu's option 2 now
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol).where(Protocol.journey == "segunda_via")).one().status == "concluido"


@pytest.mark.parametrize("answer,negotiates", [
    ("Sim.", True), ("sim, pode ser", True), ("quero sim", True), ("Claro!", True),
    ("Não, obrigado", False), ("agora não", False), ("deixa pra depois", False),
])
def test_the_invitation_to_negotiate_reads_yes_and_no_as_people_write_them(wa, answer, negotiates):
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, "116")[0]
    overdue = [line for line in listing.splitlines() if "(vencido)" in line][0].split(".")[0]
    assert "Quer negociar?" in wa.say(MARIA, overdue)[0]
    reply = wa.say(MARIA, answer)[0]
    assert ("Protocolo de atendimento (negociação de débitos)" in reply) is negotiates, reply
    assert "para negociar agora ou *não*" not in reply  # not asked again
