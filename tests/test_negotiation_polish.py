"""Negotiation polish (issue 4, g2): the due date (the first offer's, and the one the person
asks for), ATZ only for a boleto that expired, the cash offer never above a plan,
declines and deferrals, questions about a title, handoffs with the context, and identity
alternatives — rules table-driven, conversations through the signed webhook."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.engine.identity import name_matches
from bot.flows.negotiation.language import defers, question_topic, refuses
from bot.flows.negotiation.rules import (
    RULES_DIR,
    Plan,
    Refusal,
    RulesError,
    cash_ladder,
    cash_offer,
    discount_band,
    first_due_date,
    group_agreements,
    installment_plan,
    load_rules,
    requested_due_date,
)
from bot.language.text import normalize
from bot.platform import clock
from storage.db import transaction
from storage.models import Agreement, Conversation, IssuedBill, Protocol

from .test_negotiation_rules import portfolios

JOSE = "+5567999990002"  # codes 001 (60 and 700 days) and 050 (400 days)
ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)
RULES = load_rules()
TODAY = date(2026, 11, 24)  # a Tuesday, as the suite's frozen clock


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone=ROBERTO):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


def _later(**delta):
    clock.freeze(clock.now() + timedelta(**delta))


# -- 1: the due date ------------------------------------------------------------------------------
# Issue 11: two business days ahead (the boletos "chegam em até 24 horas"), no longer the next one.
@pytest.mark.parametrize("today,expected", [
    (date(2026, 11, 24), date(2026, 11, 26)),  # Tuesday → Thursday
    (date(2026, 11, 27), date(2026, 12, 1)),  # Friday → Tuesday (no boleto due on a weekend)
    (date(2026, 11, 19), date(2026, 11, 24)),  # 20/11 (Consciência Negra) and the weekend skipped
    (date(2026, 12, 24), date(2026, 12, 29)),  # Christmas and the weekend skipped
])
def test_first_offer_is_due_two_business_days_ahead(today, expected):
    assert first_due_date(today, RULES) == expected
    assert today < expected <= today + timedelta(days=RULES.max_due_days)


def test_first_due_date_never_leaves_the_window():
    same_day = RULES.model_copy(update={"max_due_days": 0})
    assert first_due_date(TODAY, same_day) == TODAY
    short = RULES.model_copy(update={"max_due_days": 2})
    assert first_due_date(date(2026, 11, 27), short) == date(2026, 11, 29)  # the window's last day


@pytest.mark.parametrize("text,expected", [
    ("consigo pagar dia 10", "beyond"), ("dia 05/12", "beyond"), ("05/12/2026", "beyond"),
    ("dia 20 do mês que vem", "beyond"), ("a partir de 10/12", "beyond"),
    ("dia 28/11", date(2026, 11, 28)), ("consigo no dia 30/11", date(2026, 11, 30)),
    ("sexta", date(2026, 11, 27)), ("pode ser sexta-feira?", date(2026, 11, 27)),
    ("até sexta", date(2026, 11, 27)), ("amanhã", "too_soon"), ("hoje", "too_soon"),
    ("semana que vem", date(2026, 12, 1)), ("dia 1º", date(2026, 12, 1)), ("dia 25", "too_soon"),
    ("dia 20/11", "past"), ("20/11/2026", "past"), ("ontem", "past"), ("semana passada", "past"),
    ("em 5x", None), ("entrada de 150", None), ("R$ 1.410,75", None), ("o quanto antes", None),
    ("sim", None), ("segunda parcela", None),
])
def test_requested_due_date(text, expected):
    got = requested_due_date(text, TODAY, RULES)
    if expected in ("beyond", "past", "too_soon"):
        assert isinstance(got, Refusal) and got.limit == date(2026, 12, 1)
        assert got.reason == {"beyond": "due_date", "past": "due_date_past",
                              "too_soon": "due_date_too_soon"}[expected]
    else:
        assert got == expected


def test_first_offer_uses_two_business_days_ahead_and_says_how_far_it_can_go(wa):
    offer = _to_offer(wa)
    assert "com vencimento em *26/11/2026*. Consegue pagar até essa data?" in offer
    assert "outra data de pagamento até 01/12/2026" in offer


def test_a_date_the_person_names_is_quoted_and_closed(wa, rt):
    _to_offer(wa)
    offer = wa.say(ROBERTO, "consigo pagar na sexta")[0]
    assert "*R$ 1.410,75 à vista*" in offer and "vencimento em *27/11/2026*" in offer
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.due_date == date(2026, 11, 27) and agreement.boletos[0]["due_date"] == "2026-11-27"


@pytest.mark.parametrize("text,opening", [
    ("dia 05/12", "O vencimento pode ser"),
    ("consigo pagar dia 10", "O vencimento pode ser"),
    ("dia 20/11", "Essa data já passou. O vencimento pode ser"),
])
def test_a_date_beyond_the_window_or_past_is_explained_and_nothing_changes(wa, rt, text, opening):
    _to_offer(wa)
    wa.say(ROBERTO, "em 3x")
    before = _conversation(rt).data["pending"]
    for _ in range(3):  # understood, only not possible: never counted as a misunderstanding
        [reply] = wa.say(ROBERTO, text)
        assert reply == (f"{opening} de 26/11/2026 até *01/12/2026* (no máximo 7 dias). "
                         "Escolha um dia até lá (ex.: \"dia 1\") ou responda *sim* para fechar com "
                         "o vencimento em *26/11/2026*.")
    conversation = _conversation(rt)
    assert conversation.handoff is None and conversation.state == "offer"
    assert conversation.data["pending"] == before and conversation.data["due"] == "2026-11-26"
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    [agreement] = _agreements(rt)
    assert agreement.installments == 3 and agreement.due_date == date(2026, 11, 26)


# -- 2: ATZ only for a boleto that expired ---------------------------------------------------------
def _cash_agreement(wa):
    _to_offer(wa)  # due 26/11
    wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "sim"), wa.say(ROBERTO, "1")
    wa.say(ROBERTO, "menu")


def _negotiate_again(wa):
    replies = wa.say(ROBERTO, "quero negociar")
    return "\n".join(wa.say(ROBERTO, "530") if "3 primeiros" in replies[-1] else replies)


def test_a_boleto_due_today_is_sent_again_not_reissued(wa, rt):
    _cash_agreement(wa)
    bill_ref = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=2)  # 26/11: due today, still payable
    text = _negotiate_again(wa)
    assert "acordo em andamento" in text and "vencimento em *26/11/2026*" in text
    assert "reemiti" not in text and "Linha digitável" in text
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 0 and agreement.boletos[0]["bill_ref"] == bill_ref
    with transaction(rt.sessions) as s:
        assert s.scalars(select(IssuedBill.status).where(IssuedBill.ref == bill_ref)).one() == "open"


def test_a_boleto_that_expired_days_ago_is_reissued(wa, rt):
    _cash_agreement(wa)
    old = _agreements(rt)[0].boletos[0]["bill_ref"]
    _later(days=4)  # 28/11: expired two days ago
    text = _negotiate_again(wa)
    assert "com boleto vencido em 26/11/2026" in text and "novo vencimento em *05/12/2026*" in text
    [agreement] = _agreements(rt)
    assert agreement.reissue_count == 1 and agreement.boletos[0]["bill_ref"] != old
    with transaction(rt.sessions) as s:
        assert s.scalars(select(IssuedBill.status).where(IssuedBill.ref == old)).one() == "cancelled"


# -- 3: the cash offer is never above a plan ------------------------------------------------------
@hsettings(max_examples=300, deadline=None)
@given(portfolios(), st.integers(0, 3), st.one_of(st.none(), st.integers(1, 12)),
       st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("5000"), places=2)),
       st.integers(0, 7))
def test_cash_is_never_above_a_plan_quoted_at_the_same_step(portfolio, step, n, entrada, due_in):
    today, titles = portfolio
    for group in group_agreements(titles):
        due = today + timedelta(days=due_in)
        plan = installment_plan(group, today, RULES, installments=n, entrada=entrada, due=due, step=step)
        plan = plan if isinstance(plan, Plan) else plan.nearest
        cash = cash_offer(group, today, RULES, step=step, due=due)
        best_cash = cash_offer(group, today, RULES, step=99, due=due)
        if plan is None:
            continue
        # the cash discount is the maximum: at the step reached, and at the table's end
        assert cash.discount >= plan.discount and cash.total <= plan.total
        assert best_cash.total <= cash.total
        full = installment_plan(group, today, RULES, installments=plan.installments, due=due)
        if isinstance(full, Plan):  # the plan at the band's maximum (no step given)
            assert best_cash.total <= full.total and full.discount <= best_cash.discount
        # the plan's discount follows the ladder: never more than the cash step's, nor the band's
        band = discount_band(group, today, RULES)
        pct = min(cash_ladder(band)[min(step, len(cash_ladder(band)) - 1)][0],
                  band.installments_interest_fine_pct)
        extra = sum(t.interest + t.fine for t in group)
        assert plan.discount == (extra * pct / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_a_band_giving_installments_more_than_cash_is_refused(tmp_path):
    raw = yaml.safe_load((RULES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    raw["discount_bands"][1]["cash_interest_fine_pct"] = 50  # installments keep 100
    bad = tmp_path / "rules.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"discount_bands\[1\].*the cash discount is the maximum"):
        load_rules(bad)


def test_asking_for_installments_first_gives_no_discount_cash_has_not_reached(wa):
    _to_offer(wa)  # cash R$ 1.410,75, no discount yet (step 0 of the 91–360 band)
    plan = wa.say(ROBERTO, "em 5x")[0]
    assert "Total: R$ 1.423,25\n" in plan and "desconto" not in plan  # above the cash offer
    cash = wa.say(ROBERTO, "à vista")[0]
    assert "*R$ 1.410,75 à vista*" in cash


# -- 4: declines and deferrals ------------------------------------------------------------------
@pytest.mark.parametrize("text,refused,deferred", [
    ("não quero", True, False), ("não quero negociar", True, False), ("não, obrigado", True, False),
    ("sem interesse", True, False), ("não vou pagar", True, False),
    ("agora não", True, True), ("vou pensar", True, True), ("depois eu vejo", True, True),
    ("não tenho dinheiro agora", True, True), ("vou ver e te aviso", True, True),
    ("deixa pra depois", True, True), ("tô sem dinheiro", True, True), ("não posso agora", True, True),
    ("não vou conseguir pagar agora", True, True), ("preciso conversar com minha esposa", True, True),
    ("nao tenho como pagar agora", True, True),
    ("não quero parcelar", False, False), ("não", False, False), ("não sei", False, False),
    ("não consigo pagar esse valor", False, False), ("sim", False, False), ("vou pagar sim", False, False),
])
def test_declines_and_deferrals_are_told_apart(text, refused, deferred):
    assert refuses(normalize(text)) is refused and defers(normalize(text)) is deferred


def _protocol(rt, number):
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        return protocol.status, [e.note for e in protocol.events]


DECLINED = ("Tudo bem, Roberto. Obrigado por responder. A negociação continua disponível: quando quiser, "
            "é só escrever *negociar* aqui, ou falar com o Plano de Saúde Demo pelo telefone 67 3314-1010.")


@pytest.mark.parametrize("first", ["vou pensar", "depois eu vejo", "não tenho dinheiro agora", "agora não"])
def test_a_deferral_gets_the_next_discount_once_then_a_polite_close(wa, rt, first):
    _to_offer(wa)
    number = _conversation(rt).data["protocol"]
    [reply] = wa.say(ROBERTO, first)
    assert reply.startswith("Entendo, Roberto. Antes de deixar para depois, veja se esta condição ajuda")
    assert "*R$ 1.312,50 à vista*, já com desconto de R$ 98,25" in reply  # the next step, gradually
    assert _protocol(rt, number)[0] == "aberto" and _conversation(rt).state == "offer"
    assert wa.say(ROBERTO, "vou pensar") == [DECLINED]
    status, notes = _protocol(rt, number)
    assert status == "concluido" and notes[-1] == "sem acordo: beneficiário preferiu deixar para depois ('vou pensar')"
    assert _conversation(rt).flow is None and _agreements(rt) == []
    # the person comes back later: a new negotiation, from the first offer again
    again = wa.say(ROBERTO, "negociar")  # identity still confirmed in this session
    again = "\n".join(wa.say(ROBERTO, "530") if "3 primeiros" in again[-1] else again)
    assert "*R$ 1.410,75 à vista*" in again and _conversation(rt).data["protocol"] != number


def test_a_deferral_at_the_best_discount_closes_at_once(wa, rt):
    _to_offer(wa)
    wa.say(ROBERTO, "tá caro")  # the 91–360 band's maximum
    number = _conversation(rt).data["protocol"]
    assert wa.say(ROBERTO, "depois eu vejo") == [DECLINED]
    assert _protocol(rt, number)[0] == "concluido"


def test_a_flat_no_is_not_pressed(wa, rt):
    _to_offer(wa)
    number = _conversation(rt).data["protocol"]
    assert wa.say(ROBERTO, "não quero, obrigado") == [DECLINED]
    status, notes = _protocol(rt, number)
    assert status == "concluido" and notes[-1].startswith("sem acordo: beneficiário recusou a proposta")


# -- 5: questions about a title -------------------------------------------------------------------
@pytest.mark.parametrize("text,topic", [
    ("o que é esse título 050?", "title"), ("de que é essa cobrança?", "title"),
    ("que cobrança é essa?", "title"), ("esse débito é de quê?", "title"), ("o que é 050?", "title"),
    ("do que se trata?", "title"), ("qual é esse código?", "title"), ("que título é esse?", "title"),
    ("não reconheço esse título", "dispute"), ("tenho outra cobrança", "extra_debts"),
    ("qual o valor com 100 de entrada?", None), ("quanto fica em 12x?", None), ("o que acontece se eu não pagar?", None),
    ("posso pagar direto na cassems?", "with_collector"), ("não dá pra negociar com o plano?", "with_collector"),
    ("prefiro resolver isso direto com a operadora", "with_collector"), ("quero pagar no boleto", None),
    ("quero pagar direto", None), ("já paguei na central", "dispute"),
])
def test_title_questions(text, topic):
    assert question_topic(normalize(text), "CASSEMS") == topic


BACK = "Voltando à negociação: responda *sim* para fechar a condição acima ou peça outra (ex.: \"em 5x\")."


def test_a_question_about_a_title_is_answered_from_its_data_and_the_offer_stays(wa, rt):
    _to_offer(wa, JOSE, "682")
    before = dict(_conversation(rt, JOSE).data)
    [reply] = wa.say(JOSE, "o que é esse título 050?")
    assert reply == ("O título *050* é *CoParticipação OPME*, competência setembro/2025: venceu em "
                     "20/10/2025 (400 dias em atraso) e está em R$ 2.133,67, com juros e multa.\n\n" + BACK)
    [reply] = wa.say(JOSE, "de que é essa cobrança?")
    assert reply.count("O título *001* é *Contribuição Plano Básico*") == 2 and "*050*" in reply
    assert "competência dezembro/2024: venceu em 24/12/2024 (700 dias em atraso)" in reply
    [reply] = wa.say(JOSE, "o que é o título 070?")
    assert reply.startswith("Não há título 070 entre os seus em aberto; os desta negociação são dos "
                            "códigos 001 e 050.")
    [reply] = wa.say(JOSE, "posso pagar direto no plano?")  # the script: not while it is with the collector
    assert reply == ("Enquanto esses débitos estão com a Demo Cobranças, a negociação é feita aqui, com a "
                     "gente: o Plano de Saúde Demo não negocia esses títulos diretamente. Faturas que não "
                     "estão nesta lista (em aberto na central) são tratadas pelo Plano de Saúde Demo, pelo "
                     "telefone 67 3314-1010.\n\n" + BACK)
    after = _conversation(rt, JOSE)
    assert after.state == "offer" and after.data["pending"] == before["pending"] and after.handoff is None
    wa.say(JOSE, "sim"), wa.say(JOSE, "sim"), wa.say(JOSE, "1")  # the 001 cash offer still closes
    [agreement] = _agreements(rt)
    assert agreement.title_code == "001" and str(agreement.total) == "907.74"


# -- 6: cases for the team carry their context ------------------------------------------------------
@pytest.mark.parametrize("text,why,template_start", [
    ("não devo isso", "contesta o débito", "Entendi: você não reconhece esse débito"),
    ("já paguei", "contesta o débito", "Entendi: você não reconhece esse débito"),
    ("também tenho uma conta do hospital que não tá aqui", "outras pendências", "Entendi que há outras pendências"),
])
def test_a_case_for_the_supervisor_carries_the_titles_and_the_offer(wa, rt, client, text, why, template_start):
    from bot.engine import attendants as handoff
    _to_offer(wa)
    wa.say(ROBERTO, "em 5x")  # the offer on the table when the person raises the case
    number = _conversation(rt).data["protocol"]
    [reply] = wa.say(ROBERTO, text)
    assert reply.startswith(template_start) and f"Seu protocolo é *{number}*." in reply
    conversation = _conversation(rt)
    assert conversation.handoff == "waiting" and why in conversation.handoff_reason
    assert "títulos 002; proposta entrada R$ 237,25 + 5x R$ 237,20 (total R$ 1.423,25)" in conversation.handoff_reason
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        case = protocol.details["negotiation_case"]
        note = protocol.events[-1].note
        assert protocol.status == "encaminhado"
    assert case["message"] == text
    assert [(t["code"], t["competence"], t["days_overdue"], t["amount"]) for t in case["titles"]] == [
        ("002", "2026-05-01", 180, "707.40"), ("002", "2026-06-01", 150, "700.85")]
    assert case["offer"] == {"kind": "installments", "total": "1423.25", "due": "2026-11-26", "n": 5,
                             "entrada": "237.25", "installment": "237.20"}
    assert why in note and repr(text) in note
    assert ("Títulos: 002 Contribuição Plano Especial competência 05/2026, 180 dias em atraso, R$ 707,40; "
            "002 Contribuição Plano Especial competência 06/2026, 150 dias em atraso, R$ 700,85. "
            "Proposta na mesa: entrada R$ 237,25 + 5x R$ 237,20 (total R$ 1.423,25), venc. 26/11/2026.") in note
    # the attendant sees it in the queue: the case with its context, and the transcript
    with transaction(rt.sessions) as s:
        token = handoff.create_attendant(s, "Ana")
    listing = client.get("/api/attendant/conversations", headers={"Authorization": f"Bearer {token}"}).get_json()
    [entry] = [c for c in listing["conversations"] if c["address"] == ROBERTO]
    [open_case] = entry["open_cases"]
    assert open_case["protocol"] == number and open_case["details"]["negotiation_case"] == case
    assert any("5x de R$ 237,20" in (m["text"] or "") for m in entry["transcript"])


# -- 7: identity alternatives --------------------------------------------------------------------
@pytest.mark.parametrize("given,ok", [
    ("Roberto Alves Nogueira", True), ("  ROBERTO   alves  NOGUEIRA ", True), ("roberto álves noguéira", True),
    ("Nogueira", True), ("nogueíra.", True), ("Alves Nogueira", True), ("Roberto Nogueira", True),
    ("Meu nome é Roberto Alves Nogueira", True), ("sou o Roberto Nogueira", True),
    ("meu sobrenome é Nogueira", True), ("Nogueira, Roberto", True),
    ("Roberto", False), ("Silva", False), ("Roberto Silva", False), ("Nogueira Alves", False),
    ("Alves Roberto", False), ("", False),
])
def test_name_alternatives_tolerate_accents_case_spaces_and_lead_ins(given, ok):
    assert name_matches(given, "Roberto Alves Nogueira") is ok


def test_identity_alternatives_in_the_conversation_and_the_lockout(wa, rt):
    first = wa.say(ROBERTO, "negociar")[-1]
    assert "os 2 últimos dígitos do CPF, seu nome completo ou seu sobrenome" in first
    # not attempts: no try is spent
    assert wa.say(ROBERTO, "Roberto") == [
        "Só o primeiro nome não basta para confirmar, Roberto. Envie seu nome completo, seu sobrenome "
        "ou os *3 primeiros dígitos* do CPF."]
    assert "Envie apenas os *3 primeiros dígitos*" in wa.say(ROBERTO, "por quê?")[0]
    assert _conversation(rt).identity_failures == 0
    # wrong names count towards the lockout, like wrong digits
    assert wa.say(ROBERTO, "Silva") == ["Os dados não conferem. Você ainda tem 2 tentativas."]
    assert wa.say(ROBERTO, "99") == ["Os dados não conferem. Você ainda tem 1 tentativa."]  # the CPF ends in 10
    blocked = wa.say(ROBERTO, "Roberto Pereira")[0]
    assert "15 minutos" in blocked
    conversation = _conversation(rt)
    assert conversation.blocked_until is not None and conversation.flow is None


def test_the_last_two_cpf_digits_confirm(wa):
    wa.say(ROBERTO, "negociar")
    assert "Encontrei estes títulos em aberto" in wa.say(ROBERTO, "CPF termina em 10")[0]
