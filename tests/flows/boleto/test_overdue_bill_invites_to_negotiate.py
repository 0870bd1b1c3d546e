"""2ª via of an overdue bill: what the invitation to negotiate promises and how it is answered."""
from __future__ import annotations

import pytest

from tests.conftest import MARIA

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _numbered(listing: str) -> list[str]:
    return [line for line in listing.splitlines() if line[:1].isdigit() and ". " in line[:4]]


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

