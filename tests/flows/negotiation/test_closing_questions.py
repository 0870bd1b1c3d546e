"""Negotiation's closing questions: address, e-mail, another WhatsApp number, the bills' names."""
from __future__ import annotations

import re

from sqlalchemy import select

from storage.db import transaction
from storage.models import Agreement, IssuedBill, OutboundMessage

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue


CLOSING = "não incluem faturas vencidas ou a vencer em aberto com a central"


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _bills(rt):
    with transaction(rt.sessions) as s:
        return {b.ref: b for b in s.scalars(select(IssuedBill))}


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def test_address_confirmed_with_punctuation_is_not_stored_as_a_new_address(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    assert "Como prefere receber" in wa.say(ROBERTO, "Sim, está correto")[0]
    summary = wa.say(ROBERTO, "1")[0]
    assert "Endereço: Rua" in summary and "atualização anotada" not in summary
    assert re.search(r"Endereço: Rua [^\n]*, CEP \d{5}-\d{3}\n", summary)  # as confirmed
    assert _agreements(rt)[0].address_note is None


def test_address_no_asks_for_the_new_one_and_reads_it_back(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    assert "Qual é o endereço atualizado?" in wa.say(ROBERTO, "não, não está certo")[0]
    assert "Não reconheci um endereço" in wa.say(ROBERTO, "mudei faz pouco")[0]
    read_back = wa.say(ROBERTO, "Rua das Flores, 120, Centro, Dourados")[0]
    assert "Anotei o endereço: *Rua das Flores, 120, Centro, Dourados*. Está correto?" in read_back
    assert "Como prefere receber" in wa.say(ROBERTO, "isso")[0]
    summary = wa.say(ROBERTO, "1")[0]
    assert "Endereço: Rua das Flores, 120, Centro, Dourados (atualização anotada)" in summary
    assert _agreements(rt)[0].address_note == "Rua das Flores, 120, Centro, Dourados"


def test_a_new_address_given_with_the_no_is_read_back_at_once(wa):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    reply = wa.say(ROBERTO, "Não, agora moro na Av. Brasil 500, apto 3, Dourados")[0]
    assert "Anotei o endereço: *Av. Brasil 500, apto 3, Dourados*" in reply  # no lead-in


# -- 12 and 13: texts from templates, delivery, clamped months, re-quote ----------------------------
def test_bill_descriptions_subject_and_file_names_come_from_templates(wa, rt, twilio):
    _to_offer(wa)
    wa.say(ROBERTO, "em 2x")
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "2")
    wa.say(ROBERTO, "sim")
    [agreement] = _agreements(rt)
    descriptions = sorted(b.description for b in _bills(rt).values())
    assert descriptions == [f"Acordo {agreement.id} – título 002 – entrada",
                            f"Acordo {agreement.id} – título 002 – parcela 1/2",
                            f"Acordo {agreement.id} – título 002 – parcela 2/2"]
    with transaction(rt.sessions) as s:
        email = s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "email")).one()
        assert email.subject == f"Boletos do acordo – protocolo {agreement.protocol_number}"
        assert [m["filename"] for m in email.media] == [
            f"boleto-acordo-{agreement.id}-entrada.pdf", f"boleto-acordo-{agreement.id}-parcela-1.pdf",
            f"boleto-acordo-{agreement.id}-parcela-2.pdf"]
        assert "também em anexo" in email.body


def test_email_summary_does_not_say_below(wa):
    _to_offer(wa)
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "2")
    summary = wa.say(ROBERTO, "sim")[0]
    assert "por e-mail para roberto.nogueira@example.com.br: enviados agora" in summary
    assert "logo abaixo" not in summary and CLOSING in summary


def test_another_whatsapp_number_is_read_back_and_noted(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    assert "escreva o número com DDD" in wa.say(ROBERTO, "sim")[0]
    other = wa.say(ROBERTO, "manda no 67 98888-7777")[0]
    assert "Anotei o número *(67) 98888-7777*" in other and "(67) 99999-0004" in other
    summary = wa.say(ROBERTO, "1")[0]
    assert "Número anotado para atualizar o cadastro: (67) 98888-7777" in summary
    assert _agreements(rt)[0].delivery_address == ROBERTO

