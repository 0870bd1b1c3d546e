"""A billing dispute: protocol, identity, the bill and the charge, registered and
e-mailed to contas médicas (captured by a real SMTP server); the result recorded through
the attendants' API: valid → proof sent; undue → the credit option (current bill at the
tesouraria, or future bills with finance e-mailed). The protocol closes with the outcome."""
from __future__ import annotations

from sqlalchemy import select

from bot.engine import attendants
from storage.db import transaction
from storage.models import BillingDispute, Protocol
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes as document_photo_bytes

from ...conftest import MARIA, drain
from ...email_support import post_raw_sendgrid
from ..support import identified, protocol_in, protocol_row
from .conftest import CONTAS_MEDICAS, FINANCEIRO


def _auth(rt) -> dict:
    with transaction(rt.sessions) as s:
        token = attendants.create_attendant(s, "Carla")
    return {"Authorization": f"Bearer {token}"}


def _dispute(wa, rt, smtp) -> str:
    replies = identified(wa, MARIA, "fui cobrado por uma consulta que não fiz")
    number = protocol_in(replies)
    assert "Protocolo de atendimento (contestação de cobrança)" in replies[0]
    assert "Qual fatura tem a cobrança" in replies[-1] and "novembro/2026" in replies[-1]
    replies = wa.say(MARIA, "novembro")
    text = replies[-1]
    assert "Coparticipação: consulta em cardiologia — R$ 45,00" in text
    replies = wa.say(MARIA, "2")
    text = replies[-1]
    assert f"Protocolo: *{number}*" in text and "contas médicas" in text
    assert "Prazo de resposta: até *08/12/2026*" in text  # 10 business days
    drain(rt)
    mails = [m for m in smtp.messages if CONTAS_MEDICAS in m["To"]]
    assert len(mails) == 1
    assert f"[Protocolo {number}]" in mails[0]["Subject"]
    content = mails[0].get_body(("plain",)).get_content()
    assert "Maria Aparecida da Silva" in content and "consulta em cardiologia" in content
    assert "116.764.967-26" not in content  # the CPF masked
    return number


def test_valid_charge_sends_the_proof_and_closes_the_protocol(wa, rt, client, smtp):
    number = _dispute(wa, rt, smtp)
    response = client.post(f"/api/attendant/disputes/{number}/outcome", headers=_auth(rt),
                           json={"outcome": "valid", "proof": "Atendimento assinado pela beneficiária (guia 8812)."})
    assert response.status_code == 200
    drain(rt)
    text = wa.twilio.bodies_to(MARIA)[-1]
    assert "a cobrança é *devida*" in text and "Clínica Coração de Campo Grande" in text
    assert "guia 8812" in text
    assert protocol_row(rt, number).status == "concluido"
    again = client.post(f"/api/attendant/disputes/{number}/outcome", headers=_auth(rt),
                        json={"outcome": "undue"})
    assert again.status_code == 409


def test_undue_charge_credit_on_the_current_bill_points_to_the_tesouraria(wa, rt, client, smtp):
    number = _dispute(wa, rt, smtp)
    response = client.post(f"/api/attendant/disputes/{number}/outcome", headers=_auth(rt),
                           json={"outcome": "undue", "note": "Consulta lançada por engano."})
    assert response.status_code == 200
    drain(rt)
    assert "Como prefere receber o crédito?" in wa.twilio.bodies_to(MARIA)[-1]
    text = wa.say(MARIA, "1")[-1]
    assert "Rua 14 de Julho, 1500" in text and "das 8h às 17h" in text
    assert protocol_row(rt, number).status == "concluido"
    assert not [m for m in smtp.messages if FINANCEIRO in m["To"]]
    with transaction(rt.sessions) as s:
        assert s.scalars(select(BillingDispute)).one().credit_option == "current"


def test_undue_charge_credit_on_future_bills_emails_finance(wa, rt, client, smtp):
    number = _dispute(wa, rt, smtp)
    client.post(f"/api/attendant/disputes/{number}/outcome", headers=_auth(rt),
                json={"outcome": "undue", "note": "Consulta lançada por engano."})
    drain(rt)
    text = wa.say(MARIA, "nas próximas faturas")[-1]
    assert "*próximas faturas*" in text and "financeiro" in text
    drain(rt)
    mails = [m for m in smtp.messages if FINANCEIRO in m["To"]]
    assert len(mails) == 1 and f"[Protocolo {number}]" in mails[0]["Subject"]
    content = mails[0].get_body(("plain",)).get_content()
    assert "próximas faturas" in content and "Consulta lançada por engano." in content
    assert "Mensagem enviada a contas médicas" in content and "consulta em cardiologia" in content
    assert protocol_row(rt, number).status == "concluido"


def test_a_photo_of_the_boleto_and_free_text_are_enough(wa, rt, smtp):
    identified(wa, MARIA, "cobrança indevida")
    replies = send_files(wa, MARIA, [document_photo_bytes()])
    assert "Recebi a foto do boleto" in replies[-1]
    assert "não consigo ver imagens" not in replies[-1]
    replies = wa.say(MARIA, "ok")
    assert "Descreva" in replies[-1]
    replies = wa.say(MARIA, "consulta de ortopedia de 05/11 que eu não fiz")
    assert "Cobrança contestada: consulta de ortopedia de 05/11" in replies[-1]
    drain(rt)
    with transaction(rt.sessions) as s:
        dispute = s.scalars(select(BillingDispute)).one()
        assert dispute.files and dispute.title_ref is None


def test_the_linha_digitavel_typed_picks_the_bill(wa, rt, smtp):
    identified(wa, MARIA, "contestar boleto")
    with transaction(rt.sessions) as s:
        linha = rt.registry.bind(s).bill_for_title("T1002").linha_digitavel
    replies = wa.say(MARIA, linha)
    assert "Coparticipação: consulta em dermatologia" in replies[-1]


def test_undue_result_in_the_middle_of_another_journey_waits_for_the_person(wa, rt, client, smtp):
    number = _dispute(wa, rt, smtp)
    wa.say(MARIA, "quero marcar consulta")  # busy: the scheduling journey asks its question
    client.post(f"/api/attendant/disputes/{number}/outcome", headers=_auth(rt),
                json={"outcome": "undue"})
    drain(rt)
    told = wa.twilio.bodies_to(MARIA)[-1]
    assert "*indevida*" in told and "escreva *crédito da contestação*" in told
    replies = wa.say(MARIA, "crédito da contestação")
    assert "Como prefere receber o crédito?" in replies[-1]
    replies = wa.say(MARIA, "2")
    assert "*próximas faturas*" in replies[-1]
    assert protocol_row(rt, number).status == "concluido"


def test_contas_medicas_reply_saying_undue_moves_the_case_to_the_credit_question(
        wa, rt, client, smtp):
    """The team's reply threads into the case ([Protocolo N], from the team's address) and
    its verdict is applied; the team itself never gets a bot answer."""
    number = _dispute(wa, rt, smtp)
    sent_before = len(smtp.messages)
    raw = (f"From: Contas Medicas <{CONTAS_MEDICAS}>\r\nTo: atendimento@plano.example.com.br\r\n"
           f"Subject: Re: Contestação de cobrança [Protocolo {number}]\r\n"
           "Message-ID: <resposta-1@plano.example.com.br>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nCobrança indevida, lançada por engano.\r\n"
           ).encode()
    assert post_raw_sendgrid(client, raw).status_code == 200
    assert post_raw_sendgrid(client, raw).status_code == 200  # retried by the service: once
    drain(rt)
    assert len(smtp.messages) == sent_before  # no menu, no identity question to the team
    assert "Como prefere receber o crédito?" in wa.twilio.bodies_to(MARIA)[-1]
    with transaction(rt.sessions) as s:
        dispute = s.scalars(select(BillingDispute).where(
            BillingDispute.protocol_number == number)).one()
        assert dispute.status == "undue"
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert any("Cobrança indevida" in (e.note or "") for e in protocol.events)


def test_a_reply_without_a_verdict_stays_in_the_case_for_an_attendant(wa, rt, client, smtp):
    number = _dispute(wa, rt, smtp)
    raw = (f"From: {CONTAS_MEDICAS}\r\nTo: atendimento@plano.example.com.br\r\n"
           f"Subject: Re: Contestação [Protocolo {number}]\r\n"
           "Message-ID: <resposta-2@plano.example.com.br>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nEstamos verificando com o prestador.\r\n"
           ).encode()
    told = len(wa.twilio.bodies_to(MARIA))
    assert post_raw_sendgrid(client, raw).status_code == 200
    drain(rt)
    assert len(wa.twilio.bodies_to(MARIA)) == told
    with transaction(rt.sessions) as s:
        assert s.scalars(select(BillingDispute).where(
            BillingDispute.protocol_number == number)).one().status == "with_team"
