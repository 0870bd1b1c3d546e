"""The negotiation journey's review findings, each through the signed webhook: yes/no and
addresses, the offer a "sim" accepts, the closing sentence, ATZ and the life of an
agreement, the recorded notice, identity alternatives, free-text misreadings, neutral
campaign text, texts in templates, and the re-quote across midnight."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot.pipeline import sweep
from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, Conversation, FinancialTitle, IssuedBill, OutboundMessage

from .conftest import MARIA

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue
CLOSING = "não incluem faturas vencidas ou a vencer em aberto com a central"


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _bills(rt):
    with transaction(rt.sessions) as s:
        return {b.ref: b for b in s.scalars(select(IssuedBill))}


def _conversation(rt, phone):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def _cash_agreement(wa, phone=ROBERTO):
    """A cash agreement due 01/12/2026 (the latest day allowed; the first offer is due the
    two business days ahead, 26/11)."""
    _to_offer(wa, phone)
    assert "vencimento em *01/12/2026*" in wa.say(phone, "dia 1º")[0]
    wa.say(phone, "sim")
    wa.say(phone, "sim")
    return wa.say(phone, "1")


def _later(**delta):
    clock.freeze(clock.now() + timedelta(**delta))


def _negotiate_again(wa, phone=ROBERTO, cpf3="530"):
    replies = wa.say(phone, "quero negociar")
    if "3 primeiros" in replies[-1]:
        replies = wa.say(phone, cpf3)
    return replies


# -- 2 and 9: yes/no and the address -----------------------------------------------------
@pytest.mark.parametrize("yes", ["Sim.", "sim, pode ser", "Fechado!"])
def test_short_yes_answers_accept_the_offer(wa, yes):
    _to_offer(wa)
    assert "confirme seu endereço" in wa.say(ROBERTO, yes)[0]


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


# -- 3: the offer a "sim" accepts ------------------------------------------------------------
def test_expensive_after_a_plan_improves_the_plan_then_names_the_best_cash_price(wa, rt):
    _to_offer(wa)
    plan = wa.say(ROBERTO, "em 5x")[0]
    assert "5x de" in plan and "Total: R$ 1.423,25\n" in plan  # step 0: no discount yet
    better = wa.say(ROBERTO, "tá caro")[0]  # one ladder: the plan gets the next step
    assert "Consegui melhorar o parcelamento" in better and "5x de" in better
    assert "Total: R$ 1.325,00 (desconto de R$ 98,25 em juros e multa)" in better
    best = wa.say(ROBERTO, "tá caro")[0]
    assert "desconto máximo" in best and "R$ 1.312,50" in best
    assert "R$ 1.312,50 à vista" in wa.say(ROBERTO, "à vista")[0]
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.kind == "cash" and agreement.total == Decimal("1312.50")


def test_expensive_plan_at_the_best_cash_names_the_true_best_price_and_sim_keeps_the_plan(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # cash at its maximum discount for this band
    wa.say(ROBERTO, "em 5x")
    best = wa.say(ROBERTO, "ainda tá caro")[0]
    assert "desconto máximo" in best and "R$ 1.312,50" in best and "R$ 1.410,75" not in best
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "sim")
    wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.kind == "installments" and agreement.installments == 5


# -- 5: ATZ and the life of an agreement -------------------------------------------------------
def test_right_after_an_agreement_the_person_is_told_about_it(wa, rt, twilio):
    _cash_agreement(wa)
    _later(hours=2)
    replies = _negotiate_again(wa)
    text = "\n".join(replies)
    assert "Não encontrei débitos" not in text
    assert "acordo em andamento" in text and "R$ 1.410,75" in text and "01/12/2026" in text
    assert "Linha digitável" in text  # the boleto sent again
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 0 and agreement.status == "active"


def test_atz_at_most_n_times_and_the_superseded_bill_is_cancelled(wa, rt):
    _cash_agreement(wa)
    first_bill = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=8)  # expired yesterday: inside the ATZ window (1..5 days past due)
    assert "reemiti o boleto" in "\n".join(_negotiate_again(wa))
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 1 and agreement.due_date == clock.today() + timedelta(days=7)
    bills = _bills(rt)
    assert bills[first_bill].status == "cancelled"
    current = agreement.boletos[0]["bill_ref"]
    assert bills[current].status == "open" and bills[current].due_date == agreement.due_date
    assert "reemissão" in bills[current].description
    wa.say(ROBERTO, "menu")
    _later(days=10)  # the reissued boleto expired 3 days ago
    assert "reemiti o boleto" in "\n".join(_negotiate_again(wa))
    wa.say(ROBERTO, "menu")
    _later(days=9)  # reissued twice (atz_max_reissues): a person decides, no third reissue
    text = "\n".join(_negotiate_again(wa))
    assert "reemiti o boleto" not in text and "atendente" in text
    assert _agreements(rt)[0].reissue_count == 2


def test_installments_track_the_next_unpaid_boleto(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "em 3x")
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    entrada, first = agreement.boletos[0], agreement.boletos[1]
    with transaction(rt.sessions) as s:
        s.execute(update(IssuedBill).where(IssuedBill.ref == entrada["bill_ref"]).values(status="paid"))
    clock.freeze(datetime.fromisoformat(first["due_date"]) + timedelta(hours=13) + timedelta(days=2))
    assert "reemiti o boleto" in "\n".join(_negotiate_again(wa))
    [agreement] = _agreements(rt)
    assert agreement.boletos[0]["bill_ref"] == entrada["bill_ref"] and agreement.boletos[0]["paid"]
    assert agreement.boletos[1]["bill_ref"] != first["bill_ref"]
    assert "reemissão da parcela 1/3" in _bills(rt)[agreement.boletos[1]["bill_ref"]].description


def test_an_agreement_overdue_beyond_the_grace_is_broken_and_its_titles_negotiable_again(wa, rt):
    _cash_agreement(wa)
    bill_ref = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=7 + 11)  # the boleto is 11 days overdue; agreement_break_after_days is 10
    offer = "\n".join(_negotiate_again(wa))
    assert "Encontrei estes títulos em aberto" in offer and "à vista" in offer  # negotiable again
    [agreement] = _agreements(rt)
    assert agreement.status == "broken"
    assert _bills(rt)[bill_ref].status == "cancelled"


def test_the_sweeper_breaks_overdue_agreements_without_a_new_contact(wa, rt):
    _cash_agreement(wa)
    with transaction(rt.sessions) as s:
        assert set(s.scalars(select(FinancialTitle.status).where(FinancialTitle.code == "002"))) == {"negotiated"}
    _later(days=7 + 10)
    sweep.sweep(reschedule=False)
    assert _agreements(rt)[0].status == "active"  # 10 days: still within the grace
    _later(days=1)
    sweep.sweep(reschedule=False)
    assert _agreements(rt)[0].status == "broken"
    with transaction(rt.sessions) as s:
        assert set(s.scalars(select(FinancialTitle.status).where(FinancialTitle.code == "002"))) == {"open"}


def test_an_overdue_agreement_outside_the_window_goes_to_a_person(wa, rt):
    _cash_agreement(wa)
    _later(days=7 + 7)  # 7 days overdue: past the ATZ window, within the grace
    text = "\n".join(_negotiate_again(wa))
    assert "vencido em 01/12/2026" in text and "atendente" in text
    conversation = _conversation(rt, ROBERTO)
    assert conversation.handoff == "waiting" and "fora da janela de reemissão" in conversation.handoff_reason


# -- 7: the recorded notice ---------------------------------------------------------------------
def test_recorded_notice_once_when_identity_was_confirmed_in_the_second_copy(wa):
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, "116")[0]
    overdue = [line for line in listing.splitlines() if "(vencido)" in line][0].split(".")[0]
    wa.say(MARIA, overdue)
    replies = wa.say(MARIA, "sim")
    assert sum(r.count("conversa fica registrada") for r in replies) == 1


def test_recorded_notice_is_not_repeated_after_the_identity_question(wa):
    first = wa.say(ROBERTO, "negociar")[0]
    assert "conversa fica registrada" in first
    assert not any("registrada" in r for r in wa.say(ROBERTO, "530"))


# -- 8: identity alternatives ----------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["da Silva", "Aparecida da Silva", "Maria Aparecida da Silva", "26"])
def test_surname_full_name_and_last_digits_confirm_identity(wa, rt, answer):
    prompt = wa.say(MARIA, "negociar")[0]
    assert "sobrenome" in prompt and "2 últimos dígitos" in prompt
    assert "títulos em aberto" in wa.say(MARIA, answer)[0]
    assert _conversation(rt, MARIA).identity_failures == 0


def test_a_wrong_surname_counts_as_a_failed_attempt(wa, rt):
    wa.say(MARIA, "negociar")
    assert "ainda tem 2 tentativas" in wa.say(MARIA, "Souza")[0]


# -- 10: free text ---------------------------------------------------------------------------------
def test_free_text_misreadings_through_the_webhook(wa, rt):
    _to_offer(wa)
    better = wa.say(ROBERTO, "não quero parcelar, quero desconto")[0]
    assert "Consegui melhorar" in better and "Entrada de" not in better
    assert "Entrada de" in wa.say(ROBERTO, "dá pra dividir em 6?")[0]
    assert "6x de" in wa.say(ROBERTO, "dividir em 6")[0]
    plan = wa.say(ROBERTO, "entrada de 500 e o resto em 3")[0]
    # the entrada boleto stays within the 500 said (R$ 2,50 included; centavos of rounding)
    assert plan.startswith("Fica assim") and "Entrada de *R$ 499,98*" in plan and "3x de" in plan
    assert "Responda *sim*" in wa.say(ROBERTO, "muito obrigado")[0]  # help, not a discount
    help_ = wa.say(ROBERTO, "tenho mais uma dúvida")[0]
    assert "supervisor" not in help_
    assert _conversation(rt, ROBERTO).handoff is None
    assert "Não consigo confirmar a liberação" in wa.say(ROBERTO, "dá pra desbloquear o plano?")[0]
    assert "SPC" not in wa.say(ROBERTO, "negativo")[0]


def test_day_with_ordinal_sets_the_due_date(wa):
    _to_offer(wa)
    assert "vencimento em *01/12/2026*" in wa.say(ROBERTO, "consigo pagar dia 1º")[0]


# -- 11: the campaign invitation is neutral --------------------------------------------------------
def test_campaign_text_reveals_no_debt(rt):
    from dataclasses import replace

    from bot.flows.negotiation.campaign import start_negotiation_campaign

    rt.settings = replace(rt.settings, content_negotiation_sid="HXnegotiate")
    start_negotiation_campaign(rt, rate=5, started_by="test")
    with transaction(rt.sessions) as s:
        bodies = list(s.scalars(select(OutboundMessage.body).where(OutboundMessage.content_sid == "HXnegotiate")))
    assert bodies
    for body in bodies:
        lowered = body.lower()
        assert "área financeira" in lowered
        for word in ("título", "débito", "dívida", "aberto", "atraso", "r$", "cobrança", "negociar"):
            assert word not in lowered


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


def test_protocol_list_names_the_agreement_status(wa):
    _cash_agreement(wa)
    listing = wa.say(ROBERTO, "meus protocolos")[0]
    assert "Negociação de débitos – acordo fechado" in listing


def test_another_whatsapp_number_is_read_back_and_noted(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "sim")
    assert "escreva o número com DDD" in wa.say(ROBERTO, "sim")[0]
    other = wa.say(ROBERTO, "manda no 67 98888-7777")[0]
    assert "Anotei o número *(67) 98888-7777*" in other and "(67) 99999-0004" in other
    summary = wa.say(ROBERTO, "1")[0]
    assert "Número anotado para atualizar o cadastro: (67) 98888-7777" in summary
    assert _agreements(rt)[0].delivery_address == ROBERTO


def test_monthly_day_is_not_claimed_when_month_ends_move_it(wa):
    clock.freeze(datetime(2026, 12, 24, 13, 0))  # due date 31/12: then 31/01, 28/02, 31/03
    _to_offer(wa)
    plan = wa.say(ROBERTO, "dia 31, em 3x")[0]
    assert "todo dia" not in plan and "uma por mês, a partir de 31/01/2027" in plan


def test_offer_is_requoted_when_its_due_date_can_no_longer_be_met_after_midnight(wa, rt):
    clock.freeze(datetime(2026, 11, 25, 3, 50))  # 23:50 in Campo Grande, Tuesday 24/11
    _to_offer(wa)
    plan = wa.say(ROBERTO, "em 5x")[0]
    assert "com vencimento em *26/11/2026*" in plan  # two business days ahead (issue 11)
    clock.freeze(datetime(2026, 11, 25, 4, 10))  # 00:10 Wednesday: 26/11 is one business day away
    replies = wa.say(ROBERTO, "sim")
    assert "Os valores foram atualizados" in replies[0] and "com vencimento em *27/11/2026*" in replies[0]
    assert _conversation(rt, ROBERTO).state == "offer"
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.due_date.isoformat() == "2026-11-27" and agreement.installments == 5


def test_worker_refuses_to_start_with_a_bad_rules_file(tmp_path, monkeypatch, settings):
    from bot import runtime
    from bot.flows.negotiation.rules import RulesError
    from bot.pipeline import worker as worker_main

    bad = tmp_path / "rules.yaml"
    bad.write_text("operator_name: X\n", encoding="utf-8")
    monkeypatch.setenv("NEGOTIATION_RULES_FILE", str(bad))
    monkeypatch.setattr(runtime, "current", lambda: runtime.Runtime(settings))
    started = []
    monkeypatch.setattr(worker_main.sweep, "sweep", lambda **kw: started.append("sweep"))
    monkeypatch.setattr(worker_main, "Worker", lambda *a, **kw: started.append("worker"))
    with pytest.raises(RulesError, match="invalid negotiation rules"):
        worker_main.main()
    assert started == []


def test_operator_api_cancels_bills_breaks_agreements_and_reports_bill_status():
    import responses

    from bot.registry.http import HttpRegistry

    api_url = "https://erp.operadora.example/api/v1"
    bill = {"ref": "BL1", "beneficiary_ref": "900", "description": "x", "amount": "10.00",
            "due_date": "2026-12-01", "barcode": "0" * 44, "linha_digitavel": "0" * 47, "status": "paid"}
    with responses.RequestsMock() as api:
        api.get(f"{api_url}/bills/BL1", json=bill)
        api.post(f"{api_url}/bills/BL1/cancel", json={},
                 match=[responses.matchers.header_matcher({"Idempotency-Key": "k1"})])
        api.post(f"{api_url}/agreements/7/break", json={},
                 match=[responses.matchers.json_params_matcher({"beneficiary_ref": "900", "title_refs": ["T9"]}),
                        responses.matchers.header_matcher({"Idempotency-Key": "k2"})])
        registry = HttpRegistry(api_url, "s3cret")
        assert registry.bill("BL1").status == "paid"
        registry.cancel_bill("BL1", "k1")
        registry.break_agreement("900", ["T9"], 7, "k2")
