"""The 2ª via list (issue 11): an overdue bill is marked with what choosing it does, the
list is read by content ("o vencido", "esse mês", "o mais recente"), and the hint names a
month that is in the list."""
from __future__ import annotations

import re

from bot.language.competence import MONTHS
from bot.platform import clock

from ...conftest import MARIA

MARIA_CPF_START = "116"


def _listing(wa) -> str:
    wa.say(MARIA, "2a via")
    return wa.say(MARIA, MARIA_CPF_START)[0]


def _items(listing: str) -> list[str]:
    return [line for line in listing.splitlines() if re.match(r"\d\. ", line)]


def test_an_overdue_bill_is_marked_with_the_negotiation_up_front(wa):
    listing = _listing(wa)
    overdue = [line for line in _items(listing) if "(vencido)" in line]
    assert overdue and all(line.endswith("(vencido) → negociação") for line in overdue)
    assert "escolhendo um *(vencido)*, eu te levo para a negociação" in listing


def test_o_vencido_picks_the_overdue_bill_and_leads_to_the_negotiation(wa):
    listing = _listing(wa)
    assert len([line for line in _items(listing) if "(vencido)" in line]) == 1
    reply = wa.say(MARIA, "o q ta vencido")[0]
    assert "venceu em" in reply and "Quer negociar?" in reply


def test_esse_mes_with_two_bills_this_month_asks_which(wa):
    _listing(wa)
    which = wa.say(MARIA, "esse mes")[0]
    assert "Encontrei 2 boletos nesse mês" in which


def test_o_mais_recente_with_two_bills_of_the_newest_month_asks_which_of_those(wa):
    listing = _listing(wa)
    newest = _items(listing)[0].split(" – ")[0].split(". ", 1)[1]  # newest first: "novembro/2026"
    of_newest = [line for line in _items(listing) if f". {newest} – " in line]
    which = wa.say(MARIA, "o mais recente")[0]
    assert f"Encontrei {len(of_newest)} boletos nesse mês" in which
    assert [line.split(". ", 1)[1] for line in _items(which)] == [
        line.split(". ", 1)[1] for line in of_newest]
    assert "Linha digitável" in wa.say(MARIA, "1")[0]


def test_the_hint_names_a_month_of_the_list(wa):
    listing = _listing(wa)
    hint = wa.say(MARIA, "aquele la")[0]
    assert "10/2025" not in hint
    month = re.search(r'ex\.: "(\w+)" ou "(\d{2})/(\d{4})"', hint)
    assert month is not None, hint
    name, number, year = month.groups()
    assert MONTHS[int(number) - 1] == name.replace("ç", "c")
    assert f"{name}/{year}" in listing
    assert int(year) >= clock.today().year - 1
