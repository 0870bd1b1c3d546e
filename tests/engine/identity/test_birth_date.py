"""Unknown phone: full CPF + birth date, the birth date typed the usual ways."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.language import birthdate
from bot.language.formatting import brdate, phone
from bot.platform.config import ROOT
from storage.db import transaction
from storage.models import Conversation
from tests.conftest import UNKNOWN

MARIA_CPF = "116.764.967-26"  # born 05/03/1980 in the demo data


def _at_birth_question(wa):
    wa.say(UNKNOWN, "2a via")
    assert "data de nascimento" in wa.say(UNKNOWN, MARIA_CPF)[0]


def _conversation(rt):
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        s.expunge(c)
        return c


@pytest.mark.parametrize("typed", ["5/3/1980", "05031980", "05-03-1980", "05.03.1980",
                                   "5 de março de 1980", "5 de marco de 1980",
                                   "05 de Março de 1980", "nasci em 05/03/1980."])
def test_the_usual_ways_to_write_a_birth_date_confirm_identity(wa, typed):
    _at_birth_question(wa)
    assert "boletos em aberto" in wa.say(UNKNOWN, typed)[0]


@pytest.mark.parametrize("typed, reply", [
    ("31/02/1980", "A data 31/02/1980 não existe no calendário. Confira o dia e o mês e envie "
                   "sua *data de nascimento* de novo (dd/mm/aaaa)."),
    ("05/03/2030", "A data 05/03/2030 não pode ser a sua data de nascimento. Confira o ano e "
                   "envie de novo (dd/mm/aaaa)."),
    ("05/03/80", "Para não haver dúvida, envie o *ano com 4 dígitos*, por exemplo: 25/12/1990."),
    ("050380", "Para não haver dúvida, envie o *ano com 4 dígitos*, por exemplo: 25/12/1990."),
])
def test_an_unusable_date_is_explained_and_changes_nothing(wa, rt, typed, reply):
    _at_birth_question(wa)
    before = _conversation(rt)
    assert wa.say(UNKNOWN, typed) == [reply]
    after = _conversation(rt)
    assert (after.state, after.data, after.identity_failures, after.misunderstandings) == \
        ("identity_birth", before.data, 0, 0)
    assert "boletos em aberto" in wa.say(UNKNOWN, "05/03/1980")[0]  # the question still stands


def test_unusable_dates_never_offer_a_human_nor_spend_attempts(wa, rt):
    _at_birth_question(wa)
    for typed in ("31/02/1980", "05/03/80", "05/03/2030", "30/02/1980"):
        [reply] = wa.say(UNKNOWN, typed)
        assert "atendente" not in reply and "tentativa" not in reply
    assert _conversation(rt).state == "identity_birth"


def test_an_unreadable_answer_asks_again_with_a_fictional_example(wa, rt):
    _at_birth_question(wa)
    assert wa.say(UNKNOWN, "ontem") == [
        "Não entendi a data. Envie sua *data de nascimento* com dia, mês e ano, por exemplo: 25/12/1990."]
    assert _conversation(rt).state == "identity_birth"


def test_a_wrong_but_valid_date_is_a_wrong_answer(wa, rt):
    _at_birth_question(wa)
    reply = wa.say(UNKNOWN, "06/03/1980")
    assert "Os dados não conferem. Você ainda tem 2 tentativas." in reply[0]
    assert _conversation(rt).identity_failures == 1


@pytest.mark.parametrize("typed, expected", [
    ("1º de março de 1980", "1980-03-01"), ("primeiro de março de 1980", "1980-03-01"),
    ("5 mar 1980", "1980-03-05"), ("05/mar/1980", "1980-03-05"), ("5 de Março, 1980", "1980-03-05"),
    ("1980-03-05", "1980-03-05"), ("1980/03/05", "1980-03-05"), ("1980.3.5", "1980-03-05"),
    ("05 03 1980", "1980-03-05"), ("29/02/2000", "2000-02-29"),
])
def test_more_spellings(typed, expected):
    from datetime import date

    assert birthdate.parse(typed, date(2026, 11, 24)).value == date.fromisoformat(expected)


@pytest.mark.parametrize("typed, problem", [
    ("116.764.967-26", "unreadable"), ("11676496726", "unreadable"), ("ontem", "unreadable"),
    ("29/02/1981", "impossible"), ("05/13/1980", "impossible"), ("01/01/1850", "too_old"),
    ("25/11/2026", "future"), ("5 de março de 80", "short_year"),
])
def test_problems(typed, problem):
    from datetime import date

    assert birthdate.parse(typed, date(2026, 11, 24)).problem == problem


def test_no_template_shows_a_demo_persons_data():
    people = json.loads((ROOT / "data" / "demo_operator.json").read_text())["beneficiaries"]
    from datetime import date

    secrets = set()
    for p in people:
        cpf = p["cpf"]
        secrets |= {cpf, f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}", p["name"]}
        if not p["birth_date"].startswith("today"):
            secrets.add(brdate(date.fromisoformat(p["birth_date"])))
        secrets |= {phone(n) for n in p["phones"]} | ({p["email"]} if p["email"] else set())
        secrets.add(p["name"].split()[-1])  # a surname as an example ("da Silva")
    for template in (ROOT / "templates" / "messages").rglob("*.j2"):
        text = template.read_text()
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{template.name} shows demo data: {leaked}"


@pytest.mark.parametrize("typed, problem", [
    ("05/03/0080", "too_old"), ("00/00/0000", "impossible"), ("05030080", "too_old"),
])
def test_a_four_digit_year_is_never_asked_with_four_digits(typed, problem):
    """"Envie o ano com 4 dígitos" was the answer to a year typed with 4 digits below 100."""
    from datetime import date

    assert birthdate.parse(typed, date(2026, 11, 24)).problem == problem
