""""sair" / "tchau" (or going idle) in the middle of a negotiation after an offer was shown:
the person gets the engine's usual reply, and the protocol's history names the last offer
shown, so a conciliador calling back knows what was on the table. Other journeys (and a
negotiation left before any offer) keep the plain note."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA

ROBERTO = "+5567999990004"  # two titles of code 002 in the 91–360 band: R$ 1.410,75 cash
CANCELLED = "Tudo bem, encerrei este assunto. Se precisar de algo mais, é só escrever ou digitar *menu*."
GOODBYE = "Até logo! Obrigado pelo contato. 😊 Quando precisar, é só escrever ou digitar *menu*."
CASH = "última proposta apresentada (código 002): à vista R$ 1.410,75, venc. 25/11/2026"
FIVE_X = ("última proposta apresentada (código 002): entrada R$ 237,25 + 5x R$ 237,20 "
          "(total R$ 1.423,25), venc. 25/11/2026")


def _last_event(rt, journey: str) -> tuple[str, str, str | None]:
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.journey == journey)
                             .order_by(Protocol.id.desc())).first()
        return protocol.status, protocol.events[-1].status, protocol.events[-1].note


def _to_offer(wa):
    wa.say(ROBERTO, "negociar")
    assert "*R$ 1.410,75 à vista*, com vencimento em *25/11/2026*" in wa.say(ROBERTO, "530")[0]


def test_sair_after_the_cash_offer_notes_it(wa, rt):
    _to_offer(wa)
    assert wa.say(ROBERTO, "sair") == [CANCELLED]
    assert _last_event(rt, "negociacao") == (
        "cancelado", "cancelado", f"cancelado pelo beneficiário; {CASH}")


def test_tchau_after_an_installment_plan_notes_the_plan(wa, rt):
    _to_offer(wa)
    assert "Entrada de *R$ 237,25*" in wa.say(ROBERTO, "em 5x")[0]
    assert wa.say(ROBERTO, "tchau") == [GOODBYE]  # a farewell, as everywhere
    assert _last_event(rt, "negociacao") == (
        "cancelado", "cancelado", f"cancelado pelo beneficiário; {FIVE_X}")


def test_going_idle_after_an_offer_notes_it(wa, rt):
    _to_offer(wa)
    with transaction(rt.sessions) as s:
        last = s.scalars(select(Conversation.last_activity_at).where(Conversation.address == ROBERTO)).one()
    clock.freeze(last + timedelta(minutes=rt.settings.session_idle_minutes))
    wa.say(ROBERTO, "oi")
    assert _last_event(rt, "negociacao") == (
        "expirado", "expirado", f"conversa encerrada por inatividade; {CASH}")


def test_leaving_before_any_offer_and_other_journeys_keep_the_plain_note(wa, rt):
    wa.say(ROBERTO, "negociar")  # asked for the CPF digits: nothing offered yet
    assert wa.say(ROBERTO, "sair") == [CANCELLED]
    assert _last_event(rt, "negociacao")[2] == "cancelado pelo beneficiário"
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    assert wa.say(MARIA, "tchau") == [GOODBYE]
    assert _last_event(rt, "segunda_via") == ("cancelado", "cancelado", "cancelado pelo beneficiário")


def test_leaving_the_second_code_keeps_the_first_agreement_as_the_outcome(wa, rt):
    jose = "+5567999990002"  # codes 001 and 050: two agreements in one contact
    wa.say(jose, "estou devendo")
    wa.say(jose, "682")
    wa.say(jose, "sim"), wa.say(jose, "sim")
    assert any("O título 050" in r for r in wa.say(jose, "1"))  # 001 agreed; 050 offered
    assert wa.say(jose, "sair") == [CANCELLED]
    status, event_status, note = _last_event(rt, "negociacao")
    assert (status, event_status) == ("acordo", "acordo")  # its boletos are out: not cancelled
    assert note.startswith("cancelado pelo beneficiário; acordos: ")
    assert "última proposta apresentada (código 050): à vista" in note
