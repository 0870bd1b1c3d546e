"""2ª via: choosing bills by month, number or several at once; another bill after one."""
from __future__ import annotations

from sqlalchemy import select, update

from bot.platform import clock
from storage.db import transaction
from storage.models import FinancialTitle, Protocol
from tests.conftest import MARIA


def _numbered(listing: str) -> list[str]:
    return [line for line in listing.splitlines() if line[:1].isdigit() and ". " in line[:4]]


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

