"""The agreement summary, its boletos and the demo operator's voice."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.pipeline import sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, OutboundMessage
from tests.conftest import JOSE, drain

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


TEMPLATE = "HXnegotiate"


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def _invitations(twilio, phone=None):
    return [m for m in twilio.created if m.get("ContentSid") == TEMPLATE
            and (phone is None or m["To"] == f"whatsapp:{phone}")]


def _campaign(rt, rate):
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    rt.settings = replace(rt.settings, content_negotiation_sid=TEMPLATE)
    return start_negotiation_campaign(rt, rate=rate, started_by="test")


def _send_all_invitations(rt, seconds=3):
    """Let the paced invitations go out: the clock moves on, the sweeper wakes them."""
    for _ in range(seconds * 2):
        clock.freeze(clock.now() + timedelta(milliseconds=500))
        sweep.sweep(reschedule=False)
        drain(rt)


# -- 9: the closing summary ---------------------------------------------------------------------------
def test_summary_keeps_each_item_on_its_line_and_the_cash_pdf_is_named_a_vista(wa, rt, twilio):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # interest and fine waived: the plan below has the discount too
    wa.say(ROBERTO, "em 3x")
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim")
    summary = wa.say(ROBERTO, "1")[0]
    assert re.search(r"todo dia 25\n• Desconto: R\$ 98,25\n• Boletos por WhatsApp", summary)
    assert "(atualização anotada)" not in summary and "\n\nProtocolo: *" in summary
    _to_offer(wa, JOSE, "682")
    wa.say(JOSE, "sim"), wa.say(JOSE, "sim")
    wa.say(JOSE, "2"), wa.say(JOSE, "sim")  # cash for code 001 by e-mail
    first = _agreements(rt)[-1]
    with transaction(rt.sessions) as s:
        email = s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "email")).one()
        assert [m["filename"] for m in email.media] == [f"boleto-acordo-{first.id}-a-vista.pdf"]


# -- 10: the entrada said is not exceeded ---------------------------------------------------------------
def test_the_entrada_said_is_the_most_the_entrada_boleto_charges(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # interest and fine waived
    plan = wa.say(ROBERTO, "so consigo dar 150 de entrada")[0]
    assert "Entrada de *R$ 149,97*" in plan and "9x de" in plan
    small = wa.say(ROBERTO, "só consigo dar 100 de entrada")[0]
    assert "a entrada mínima é de R$ 102,50" in small
    wa.say(ROBERTO, "so consigo dar 150 de entrada")
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.entrada == Decimal("149.97") and agreement.entrada > agreement.installment
    assert sum(Decimal(b["amount"]) for b in agreement.boletos) == agreement.total


# -- 14: the demo operator's name, consistently ------------------------------------------------------------
def test_the_demo_speaks_for_the_demo_operator(wa, rt, twilio):
    titles = _to_offer(wa)
    assert "assessoria de cobrança do Plano de Saúde Demo" in titles and "CASSEMS" not in titles
    assert "o Plano de Saúde Demo não inclui" in wa.say(ROBERTO, "vou ficar com o nome no serasa?")[0]
    clock.freeze(clock.now() + timedelta(days=2))
    _campaign(rt, rate=5)
    _send_all_invitations(rt)
    [invitation] = _invitations(twilio, JOSE)
    assert json.loads(invitation["ContentVariables"])["2"] == "Plano de Saúde Demo"
    with transaction(rt.sessions) as s:
        body = s.scalars(select(OutboundMessage.body).where(
            OutboundMessage.content_sid == TEMPLATE, OutboundMessage.recipient == JOSE)).one()
    assert "assistente virtual do Plano de Saúde Demo" in body

