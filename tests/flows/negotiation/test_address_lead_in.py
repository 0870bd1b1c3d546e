"""A new address said in a sentence ("não, moro na rua …", "agora moro na Avenida …") is
read back from the street on: the lead-in is not part of the address the backoffice gets."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Agreement

ROBERTO = "+5567999990004"


def _at_address(wa):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    assert "confirme seu endereço" in wa.say(ROBERTO, "sim")[0]


def test_lead_in_before_the_street_is_left_out(wa, rt):
    _at_address(wa)
    reply = wa.say(ROBERTO, "nao moro na rua joao pessoa 120 centro campo grande")[0]
    assert "Anotei o endereço: *rua joao pessoa 120 centro campo grande*" in reply
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "1")
    with transaction(rt.sessions) as s:
        agreement = s.scalars(select(Agreement)).one()
        assert agreement.address_note == "rua joao pessoa 120 centro campo grande"


def test_lead_in_when_the_new_address_is_asked(wa):
    _at_address(wa)
    assert "Qual é o endereço atualizado" in wa.say(ROBERTO, "não, mudei")[0]
    reply = wa.say(ROBERTO, "agora moro na Avenida Brasil, 200, Centro, Dourados")[0]
    assert "Anotei o endereço: *Avenida Brasil, 200, Centro, Dourados*" in reply


def test_an_address_without_lead_in_is_kept_whole(wa):
    _at_address(wa)
    wa.say(ROBERTO, "não, mudei")
    reply = wa.say(ROBERTO, "Quadra 5 lote 10, Jardim Itália, Dourados")[0]
    assert "Anotei o endereço: *Quadra 5 lote 10, Jardim Itália, Dourados*" in reply
