"""Questions about a title answered from its data while the offer stands."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.flows.negotiation.language import question_topic
from bot.language.text import normalize
from storage.db import transaction
from storage.models import Agreement, Conversation

JOSE = "+5567999990002"  # codes 001 (60 and 700 days) and 050 (400 days)


ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _agreements(rt):
    with transaction(rt.sessions) as s:
        return list(s.scalars(select(Agreement).order_by(Agreement.id)))


def _conversation(rt, phone=ROBERTO):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


BACK = "Voltando à negociação: responda *sim* para fechar a condição acima ou peça outra (ex.: \"em 5x\")."


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

