"""Conversations that cross journeys: global commands in the middle of one, switching to
another and back, idle expiry. Whatever the way out, the journey's protocol is never left
"aberto" behind the person's back (ANS: its history says how the request ended)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import JOSE, MARIA

MENU = "Como posso ajudar? Responda com o número ou escreva o que precisa:"


def _protocols(rt) -> list[tuple[str, str, str | None]]:
    with transaction(rt.sessions) as s:
        return [(p.journey, p.status, p.events[-1].note)
                for p in s.scalars(select(Protocol).order_by(Protocol.id))]


def _conversation(rt, phone: str) -> tuple[str | None, str | None]:
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == phone)).one()
        return c.flow, c.state


# -- "menu" in the middle of a journey ------------------------------------------------------
def test_menu_at_the_identity_question_gives_the_journey_up(wa, rt):
    wa.say(MARIA, "2a via")
    assert wa.say(MARIA, "menu")[0].startswith(MENU)
    assert _protocols(rt) == [("segunda_via", "cancelado", "voltou ao menu")]
    assert _conversation(rt, MARIA) == (None, None)


def test_menu_at_the_bill_list_gives_the_journey_up(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    assert wa.say(MARIA, "menu")[0].startswith(MENU)
    assert _protocols(rt) == [("segunda_via", "cancelado", "voltou ao menu")]


def test_menu_at_the_slot_list_gives_the_scheduling_up(wa, rt):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    assert "Horários livres" in wa.say(MARIA, "eu")[0]
    assert wa.say(MARIA, "menu")[0].startswith(MENU)
    assert _protocols(rt) == [("agendamento", "cancelado", "voltou ao menu")]


def test_menu_after_an_offer_notes_the_offer(wa, rt):
    wa.say(JOSE, "quero negociar")
    wa.say(JOSE, "682")
    assert wa.say(JOSE, "menu")[0].startswith(MENU)
    [(journey, status, note)] = _protocols(rt)
    assert (journey, status) == ("negociacao", "cancelado")
    assert note.startswith("voltou ao menu; última proposta apresentada (código 001): à vista")


def test_menu_after_the_first_agreement_keeps_the_agreement_as_the_outcome(wa, rt):
    wa.say(JOSE, "quero negociar")
    wa.say(JOSE, "682")
    wa.say(JOSE, "sim"), wa.say(JOSE, "sim")
    assert any("O título 050" in r for r in wa.say(JOSE, "1"))  # 001 agreed; 050 offered
    assert wa.say(JOSE, "menu")[0].startswith(MENU)
    [(journey, status, note)] = _protocols(rt)
    assert (journey, status) == ("negociacao", "acordo")  # its boletos are out
    assert note.startswith("voltou ao menu; acordos: ")


def test_menu_after_the_bill_was_sent_keeps_it_concluded(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    assert "Linha digitável" in wa.say(MARIA, "1")[0]
    assert wa.say(MARIA, "menu")[0].startswith(MENU)
    assert _protocols(rt) == [("segunda_via", "concluido", "2ª via enviada: T1001")]


# -- a "boleto" at the negotiation's offer is the negotiation's boleto ---------------------------
@pytest.mark.parametrize("answer", [
    "me manda o boleto", "Me manda o boleto, por favor", "pode me mandar o boleto",
    "pode enviar o boleto", "me envia os boletos", "quero o boleto", "manda o boleto por favor",
])
def test_asking_for_the_boleto_at_the_offer_accepts_it(wa, rt, answer):
    wa.say(JOSE, "quero negociar")
    wa.say(JOSE, "682")
    reply = wa.say(JOSE, answer)[0]
    assert "confirme seu endereço" in reply and "2ª via" not in reply
    assert _protocols(rt) == [("negociacao", "aberto", None)]
    assert _conversation(rt, JOSE) == ("negociacao", "address")


def _accepted(wa):
    wa.say(JOSE, "quero negociar")
    wa.say(JOSE, "682")
    assert "confirme seu endereço" in wa.say(JOSE, "sim")[0]


@pytest.mark.parametrize("steps, state", [
    ([], "address"),
    (["sim"], "delivery"),
    (["sim", "2"], "email_confirm"),
    (["não"], "address_new"),
])
@pytest.mark.parametrize("answer", ["me manda o boleto", "cadê o boleto?", "quero o boleto atrasado"])
def test_asking_for_the_boleto_after_accepting_keeps_the_question(wa, rt, steps, state, answer):
    _accepted(wa)
    for step in steps:
        wa.say(JOSE, step)
    [reply] = wa.say(JOSE, answer)
    assert "2ª via" not in reply and "Protocolo de atendimento" not in reply
    assert "O boleto do acordo sai logo depois desta confirmação." in reply
    assert _conversation(rt, JOSE) == ("negociacao", state)
    assert _protocols(rt) == [("negociacao", "aberto", None)]


def test_a_clear_2a_via_request_after_accepting_still_switches(wa, rt):
    _accepted(wa)
    assert "Protocolo de atendimento (2ª via" in wa.say(JOSE, "quero a 2a via do boleto")[0]
    assert _conversation(rt, JOSE) == ("segunda_via", "choose")


# -- "meus protocolos" in the middle of a journey is a look-up, not a change of subject ----------
@pytest.mark.parametrize("question", ["meus protocolos", "qual o número do meu protocolo?"])
def test_asking_for_the_protocols_mid_journey_keeps_the_journey(wa, rt, question):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    [reply] = wa.say(MARIA, question)
    assert "Seus protocolos mais recentes:" in reply and "2ª via de boleto – em andamento" in reply
    assert "Não encontrei esse boleto" not in reply
    assert "responda à última pergunta" in reply
    assert _protocols(rt) == [("segunda_via", "aberto", None)]
    assert _conversation(rt, MARIA) == ("segunda_via", "choose")
    assert "Linha digitável" in wa.say(MARIA, "1")[0]  # the list still answers


def test_asking_for_the_protocols_before_identity_is_still_the_protocols_journey(wa, rt):
    wa.say(MARIA, "2a via")
    [reply] = wa.say(MARIA, "meus protocolos")  # at the CPF question: identity first
    assert "3 primeiros dígitos" in reply


# -- another journey asked for at the identity question ------------------------------------------
def test_another_journey_at_the_identity_question_switches(wa, rt):
    wa.say(MARIA, "2a via")
    [reply] = wa.say(MARIA, "na verdade quero marcar consulta")
    assert "Protocolo de atendimento (agendamento de consulta)" in reply
    assert "3 primeiros dígitos" in reply and "Envie apenas" not in reply
    assert _protocols(rt) == [("segunda_via", "cancelado", "trocou de assunto"),
                              ("agendamento", "aberto", None)]
    assert "Para quem é a consulta?" in wa.say(MARIA, "116")[0]


def test_another_journey_at_the_negotiation_identity_spends_no_attempt(wa, rt):
    wa.say(JOSE, "quero negociar")
    [reply] = wa.say(JOSE, "quero a segunda via")
    assert "Protocolo de atendimento (2ª via de boleto)" in reply and "não conferem" not in reply
    assert _protocols(rt)[0] == ("negociacao", "cancelado", "trocou de assunto")
    assert "Estes são seus boletos" in wa.say(JOSE, "682")[0]


# -- the 2ª via asked again at "Quer negociar?" ---------------------------------------------------
@pytest.mark.parametrize("answer", ["2a via", "quero outro boleto"])
def test_another_bill_asked_at_the_invitation_to_negotiate_shows_the_list(wa, rt, answer):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    assert "Quer negociar?" in wa.say(MARIA, "3")[0]  # outubro, overdue
    [reply] = wa.say(MARIA, answer)
    assert "Estes são seus boletos" in reply and "Responda *sim* para negociar" not in reply
    assert _conversation(rt, MARIA) == ("segunda_via", "choose")
    assert "Linha digitável" in wa.say(MARIA, "1")[0]
