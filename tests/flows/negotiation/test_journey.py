"""Debt negotiation end to end through the signed webhook."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, Conversation, FinancialTitle, OutboundMessage, Protocol
from tests.conftest import JOSE, MARIA, drain

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue
CLOSING = "não incluem faturas vencidas ou a vencer em aberto com a central"


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def test_identity_first_and_recorded_notice(wa):
    first = wa.say(ROBERTO, "quero negociar")[0]
    assert "conversa fica registrada" in first and "3 primeiros dígitos" in first
    assert "R$" not in first  # no debt detail before identity
    assert "Contribuição Plano Especial" in wa.say(ROBERTO, "Nogueira")[0]  # surname accepted


def test_cash_agreement_with_gradual_discount(wa, rt, twilio):
    wa.say(ROBERTO, "tenho débito")
    offer = wa.say(ROBERTO, "530")[0]
    # 150 days (fewest) → 91–360 band; first offer is the full amount + R$ 2,50
    assert "180 dias em atraso" in offer and "R$ 1.410,75 à vista" in offer
    better = wa.say(ROBERTO, "tá caro, tem desconto?")[0]
    assert "Consegui melhorar" in better and "R$ 1.312,50 à vista" in better  # interest+fine waived
    best = wa.say(ROBERTO, "ainda está caro")[0]
    assert "melhor valor à vista" in best  # never beyond the table (no principal discount here)
    assert "Está correto?" in wa.say(ROBERTO, "sim")[0]
    delivery = wa.say(ROBERTO, "sim")[0]
    assert "(67) 99999-0004" in delivery  # the number read back
    replies = wa.say(ROBERTO, "1")
    summary = replies[0]
    assert "Pagamento à vista: *R$ 1.312,50*" in summary and "Desconto: R$ 98,25" in summary
    assert "taxa" not in summary.lower()  # the R$ 2,50 is never named
    assert CLOSING in summary and "67 3314-1010" in summary  # said with every summary
    assert "Linha digitável" in replies[1] and twilio.created[-2]["MediaUrl"]
    assert "Há algo mais" in replies[-1]
    [agreement] = _agreements(rt)
    assert agreement.kind == "cash" and agreement.total == Decimal("1312.50")
    assert len(agreement.boletos) == 1 and agreement.delivery == "whatsapp"
    with transaction(rt.sessions) as s:
        statuses = set(s.scalars(select(FinancialTitle.status).where(FinancialTitle.code == "002")))
        assert statuses == {"negotiated"}
        protocol = s.scalars(select(Protocol).where(Protocol.number == agreement.protocol_number)).one()
        assert protocol.status == "acordo"


def test_installments_in_free_text_and_email_delivery_spelled_back(wa, rt):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    plan = wa.say(ROBERTO, "quanto fica em 5 vezes?")[0]
    assert "Fica assim" in plan and "5x de" in plan
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    spelled = wa.say(ROBERTO, "2")[0]
    assert "roberto.nogueira@example.com.br" in spelled and "r o b e r t o . n o g u e i r a" in spelled
    other = wa.say(ROBERTO, "roberto.n@example.org")[0]
    assert "r o b e r t o . n @ e x a m p l e . o r g" in other  # the domain spelled too
    summary = wa.say(ROBERTO, "sim")[0]
    assert "por e-mail para roberto.n@example.org" in summary
    [agreement] = _agreements(rt)
    assert agreement.kind == "installments" and agreement.installments == 5
    assert agreement.delivery == "email" and len(agreement.boletos) == 6
    values = [Decimal(b["amount"]) for b in agreement.boletos]
    assert sum(values) == agreement.total
    with transaction(rt.sessions) as s:
        email = s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "email")).one()
        assert email.recipient == "roberto.n@example.org" and len(email.media) == 6
        assert email.subject.startswith("Boletos do acordo")


def test_refused_request_explains_the_limit(wa):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "quero parcelar em 12x")[0]
    assert "vai até entrada + 9 parcelas" in reply and "9x de" in reply
    small = wa.say(ROBERTO, "só consigo dar 50 de entrada")[0]
    assert "a entrada mínima é de R$ 102,50" in small  # as every amount shown: the boleto's
    late = wa.say(ROBERTO, "consigo pagar dia 20 do mês que vem")[0]
    assert "O vencimento pode ser de hoje (24/11/2026) até *01/12/2026* (no máximo 7 dias)" in late


def test_two_title_codes_become_two_agreements(wa, rt):
    wa.say(JOSE, "estou devendo")
    first = wa.say(JOSE, "682")[0]
    assert "acordos separados" in first and "Os títulos 001" in first
    assert "R$ 907,74 à vista" in first  # 60 and 700 days → the 60-day rule, no discount
    wa.say(JOSE, "sim")
    wa.say(JOSE, "sim")
    replies = wa.say(JOSE, "1")
    assert any("O título 050" in r for r in replies)
    assert CLOSING in replies[0]  # the mandatory sentence after EVERY agreement summary
    plan = wa.say(JOSE, "em 12x")[0]
    assert "12x de" in plan  # code 050 allows entrada + 12x
    replies = wa.say(JOSE, "sim")  # address and delivery are not asked again
    assert CLOSING in replies[0] and "Há algo mais" in replies[-1]
    first_agreement, second = _agreements(rt)
    assert (first_agreement.title_code, second.title_code) == ("001", "050")
    assert first_agreement.protocol_number == second.protocol_number
    assert second.installments == 12 and len(second.boletos) == 13


def test_recent_agreement_is_reissued_not_renegotiated(wa, rt):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "1")
    clock.freeze(clock.now() + timedelta(days=6))  # due 25/11, now 30/11: 5 days past due, ATZ
    replies = wa.say(ROBERTO, "quero negociar")
    wa.say(ROBERTO, "530") if "3 primeiros" in replies[0] else None
    assert len(_agreements(rt)) == 1
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 1
    assert agreement.due_date == clock.today() + timedelta(days=7)


def test_extra_debts_go_to_a_supervisor_with_context(wa, rt):
    wa.say(ROBERTO, "negociar")
    wa.say(ROBERTO, "530")
    reply = wa.say(ROBERTO, "mas eu tenho outra dívida de coparticipação")[0]
    assert "supervisor" in reply
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation).where(Conversation.address == ROBERTO)).one()
        assert c.handoff == "waiting" and "outras pendências" in c.handoff_reason
        assert "títulos 002" in c.handoff_reason


def test_script_answers_keep_the_offer(wa, rt):
    wa.say(JOSE, "negociar")
    wa.say(JOSE, "682")
    assert "não inclui o nome de beneficiários" in wa.say(JOSE, "vou ficar com o nome no serasa?")[0]
    wa.say(JOSE, "sim"), wa.say(JOSE, "sim"), wa.say(JOSE, "1")  # 001 closed; now 050
    card = wa.say(JOSE, "minha carteirinha vai ser bloqueada?")[0]
    assert "050 não bloqueia a sua carteirinha" in card
    plan = wa.say(JOSE, "e consigo voltar a usar o plano?")[0]
    assert "Não consigo confirmar a liberação" in plan and "67 3314-1010" in plan


def test_overdue_bill_in_second_copy_leads_to_negotiation(wa):
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, "116")[0]
    overdue = [l for l in listing.splitlines() if "(vencido)" in l][0].split(".")[0]
    assert "Quer negociar?" in wa.say(MARIA, overdue)[0]
    offer = wa.say(MARIA, "sim")[0]
    assert "à vista" in offer and "Protocolo de atendimento (negociação de débitos)" in offer


def test_campaign_is_paced_and_sent_as_a_template(rt, client, wa, twilio):
    from dataclasses import replace

    from bot.engine import attendants as handoff
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    rt.settings = replace(rt.settings, content_negotiation_sid="HXnegotiate")
    result = start_negotiation_campaign(rt, rate=0.5, started_by="test")
    assert result["queued"] == 3  # Maria (overdue bill), José, Roberto
    with transaction(rt.sessions) as s:
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.content_sid == "HXnegotiate")
                              .order_by(OutboundMessage.not_before)))
        gaps = [(b.not_before - a.not_before).total_seconds() for a, b in zip(rows, rows[1:])]
        assert gaps == [2.0, 2.0]  # 0.5 message per second
    drain(rt)
    assert len([m for m in twilio.created if m.get("ContentSid") == "HXnegotiate"]) == 1
    clock.freeze(clock.now() + timedelta(seconds=5))
    from bot.pipeline import sweep
    sweep.sweep(reschedule=False)  # both late messages are due: the shared pace lets one go
    drain(rt)
    assert len([m for m in twilio.created if m.get("ContentSid") == "HXnegotiate"]) == 2
    clock.freeze(clock.now() + timedelta(seconds=2))
    sweep.sweep(reschedule=False)
    drain(rt)
    sent = [m for m in twilio.created if m.get("ContentSid") == "HXnegotiate"]
    assert len(sent) == 3
    assert json.loads(sent[0]["ContentVariables"])["2"] == "Plano de Saúde Demo"  # the demo's rules file
    reply = wa.say(JOSE, "sim")[0]
    assert "conversa fica registrada" in reply  # the reply to the campaign starts the journey

    with transaction(rt.sessions) as s:
        token = handoff.create_attendant(s, "Ana")
    response = client.post("/api/attendant/campaigns/negotiation", json={"rate": 0},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "rate" in response.get_json()["error"]


def test_campaign_without_template_is_skipped_not_sent(rt, twilio):
    from bot.flows.negotiation.campaign import start_negotiation_campaign

    with transaction(rt.sessions) as s:
        for c in s.scalars(select(Conversation)):
            s.delete(c)
    result = start_negotiation_campaign(rt, rate=5, started_by="test")
    assert result == {"campaign": result["campaign"], "queued": 0, "skipped": 3}
    drain(rt)
    assert twilio.created == []
