"""Cancelamento do plano end to end: signed webhook in, Twilio calls out (RN 561/2022)."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from storage.db import transaction
from storage.models import Cancellation, Protocol, RegCancellation

from ...conftest import JOSE, MARIA, drain

MARIA_CPF = "11676496726"
FERNANDA = "+5567999990003"
FERNANDA_CPF = "60526809701"
JOSE_CPF = "68225807359"
PROTOCOL = re.compile(r"\*(123456\d{8}\d{6})\*")


def _rows(rt):
    with transaction(rt.sessions) as s:
        ours = [(c.beneficiary_ref, c.status, c.dependent_refs) for c in s.scalars(select(Cancellation))]
        theirs = [(c.beneficiary_ref, c.protocol_number) for c in s.scalars(select(RegCancellation))]
        return ours, theirs


def test_cancellation_registered_at_once_with_proof_and_consequences(wa, rt, twilio, client):
    [first] = wa.say(MARIA, "quero cancelar meu plano")
    assert first.startswith("Protocolo de atendimento (cancelamento do plano)")
    number = PROTOCOL.search(first).group(1)
    replies = wa.say(MARIA, MARIA_CPF[:3])
    text = "\n".join(replies)
    assert "cancelamento foi *registrado*" in text
    assert "João" in text and "Ana" in text  # the dependents go with the holder
    assert "continuam devidos" in text and "R$" in text  # her open titles remain due
    assert _rows(rt) == ([("B001", "registered", ["B002", "B003"])], [("B001", number)])

    proof = next(m for m in twilio.created if "MediaUrl" in m)
    pdf = client.get(urlparse(proof["MediaUrl"]).path)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert protocol.status == "concluido"


def test_the_offer_comes_after_the_registration_and_one_word_declines_it(wa, rt):
    wa.say(MARIA, "quero cancelar meu plano")
    replies = wa.say(MARIA, MARIA_CPF[:3])
    text = "\n".join(replies)
    # Maria: 3 lives, 20 days late -> the family offer, after the confirmation
    assert text.index("*registrado*") < text.index("Plano Família Essencial")
    [bye] = wa.say(MARIA, "não")
    assert "cancelamento está registrado" in bye
    with transaction(rt.sessions) as s:
        row = s.scalars(select(Cancellation)).one()
        assert (row.status, row.offer, row.offer_answer) == ("registered", "plano_familia", "declined")


def test_no_offer_when_the_conditions_do_not_match(wa, rt):
    wa.say(JOSE, "cancelar o plano")  # loss ratio 140 %, titles 700 days late
    text = "\n".join(wa.say(JOSE, JOSE_CPF[:3]))
    assert "*registrado*" in text and "Antes de você ir" not in text
    assert "vale só para você" not in text  # a holder without dependents


def test_the_loss_ratio_offer_for_a_member_in_good_standing(wa, rt):
    wa.say(FERNANDA, "cancelar o plano")  # 35,5 %, up to date, 35 years old
    text = "\n".join(wa.say(FERNANDA, FERNANDA_CPF[:3]))
    assert text.index("*registrado*") < text.index("15% de desconto")


def test_accepting_the_offer_hands_over_to_a_person_and_keeps_the_cancellation(wa, rt):
    wa.say(MARIA, "quero cancelar meu plano")
    wa.say(MARIA, MARIA_CPF[:3])
    [reply] = wa.say(MARIA, "sim")
    assert "continua registrado" in reply
    assert _rows(rt)[0][0][1] == "registered"


def test_registry_down_keeps_the_request_and_the_due_work_registers_it(wa, rt, twilio, monkeypatch):
    def down(self, *a, **kw):
        raise RegistryUnavailable("POST /cancellation: HTTP 503")
    original = EmbeddedRegistry.register_cancellation
    monkeypatch.setattr(EmbeddedRegistry, "register_cancellation", down)
    wa.say(FERNANDA, "quero cancelar meu plano")
    text = "\n".join(wa.say(FERNANDA, FERNANDA_CPF[:3]))
    assert "*recebido*" in text and "registro é feito automaticamente" in text
    assert _rows(rt) == ([("B020", "pending", [])], [])

    from bot.flows.cancellation.registration import register_pending
    assert register_pending(rt) == 0  # still down: kept, tried again later
    monkeypatch.setattr(EmbeddedRegistry, "register_cancellation", original)
    before = len(twilio.bodies_to(FERNANDA))
    assert register_pending(rt) == 1
    assert register_pending(rt) == 0  # never twice
    drain(rt)
    later = twilio.bodies_to(FERNANDA)[before:]
    assert len(later) == 1 and "foi *registrado*" in later[0]
    assert _rows(rt)[0][0][1] == "registered" and len(_rows(rt)[1]) == 1


@pytest.mark.parametrize("leave", ["sair", "menu", "atendente", "cancelar"])
def test_leaving_at_the_offer_never_undoes_the_cancellation(wa, rt, leave):
    wa.say(MARIA, "quero cancelar meu plano")
    wa.say(MARIA, MARIA_CPF[:3])
    wa.say(MARIA, leave)
    assert _rows(rt)[0][0][1] == "registered"
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.journey == "cancelamento")).one()
        assert protocol.status == "concluido"


def test_asking_again_resends_the_proof_instead_of_a_second_cancellation(wa, rt, twilio):
    wa.say(FERNANDA, "quero cancelar meu plano")
    wa.say(FERNANDA, FERNANDA_CPF[:3])
    text = "\n".join(wa.say(FERNANDA, "quero cancelar meu plano"))  # identity already confirmed
    assert "já está registrado" in text and "%PDF" not in text
    assert len(_rows(rt)[1]) == 1


def test_asking_again_while_the_operator_is_down_is_the_same_request(wa, rt, monkeypatch):
    def down(self, *a, **kw):
        raise RegistryUnavailable("HTTP 503")
    monkeypatch.setattr(EmbeddedRegistry, "register_cancellation", down)
    wa.say(FERNANDA, "quero cancelar meu plano")
    wa.say(FERNANDA, FERNANDA_CPF[:3])
    text = "\n".join(wa.say(FERNANDA, "cancelar o plano"))
    assert "já foi recebido" in text
    monkeypatch.undo()
    from bot.flows.cancellation.registration import register_pending
    register_pending(rt)
    ours, theirs = _rows(rt)
    assert [c[1] for c in ours] == ["registered"] and len(theirs) == 1


def test_a_bare_quero_cancelar_asks_what_before_anything_is_requested(wa, rt):
    [reply] = wa.say(MARIA, "quero cancelar")
    assert "cancelar meu plano" in reply and "cancelar consulta" in reply
    assert "Protocolo" not in reply and _rows(rt) == ([], [])
