"""Specialties, cities, dates and ANS business-day deadlines as people write them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.flows.scheduling.cities import match_city
from bot.flows.scheduling.deadlines import ans_deadline
from bot.flows.scheduling.specialties import by_code, match_specialty
from bot.language.dates import parse_date_request
from bot.platform.calendar import add_business_days, is_business_day

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize("text,code", [
    ("cardio", "cardiologia"), ("cardiologista", "cardiologia"), ("cardilogista", "cardiologia"),
    ("ginecologista", "ginecologia"), ("gineco", "ginecologia"), ("ginecolog", "ginecologia"),
    ("dentista", "odontologia"), ("pediatra", "pediatria"), ("Pediatria", "pediatria"),
    ("ortopedista", "ortopedia"), ("clínico geral", "clinica_medica"),
    ("quero um dermatologista em dourados", "dermatologia"), ("oftalmo", "oftalmologia"),
])
def test_specialties_with_synonyms_and_typos(text, code):
    assert match_specialty(text).code == code


@pytest.mark.parametrize("text", ["sim", "menu", "amanhã", "astrologia", "1", "semana que vem", "Maria"])
def test_ordinary_words_are_not_specialties(text):
    assert match_specialty(text) is None


def test_ans_categories():
    assert by_code("pediatria").deadline_business_days == 7
    assert by_code("odontologia").deadline_business_days == 7
    assert by_code("cardiologia").deadline_business_days == 14


CITIES = [("Campo Grande", "MS"), ("Dourados", "MS")]


@pytest.mark.parametrize("text,city", [
    ("campo grande", "Campo Grande"), ("em Dourados", "Dourados"), ("Dourado", "Dourados"),
    ("campo grnde", "Campo Grande"), ("são paulo", None), ("sim", None),
])
def test_cities(text, city):
    found = match_city(text, CITIES)
    assert (found[0] if found else None) == city


@pytest.mark.parametrize("text,start,end", [
    ("hoje", TODAY, TODAY),
    ("amanhã", date(2026, 11, 24), date(2026, 11, 24)),
    ("depois de amanha", date(2026, 11, 25), date(2026, 11, 25)),
    ("sexta", date(2026, 11, 27), date(2026, 11, 27)),
    ("sexta-feira", date(2026, 11, 27), date(2026, 11, 27)),
    ("segunda", date(2026, 11, 30), date(2026, 11, 30)),
    ("15/12", date(2026, 12, 15), date(2026, 12, 15)),
    ("15/12/2026", date(2026, 12, 15), date(2026, 12, 15)),
    ("10/01", date(2027, 1, 10), date(2027, 1, 10)),
    ("dia 3", date(2026, 12, 3), date(2026, 12, 3)),
    ("dia 30", date(2026, 11, 30), date(2026, 11, 30)),
    ("semana que vem", date(2026, 11, 30), date(2026, 12, 6)),
    ("a partir de 10/12", date(2026, 12, 10), None),
    ("o quanto antes", TODAY, None),
])
def test_dates_in_portuguese(text, start, end):
    wanted = parse_date_request(text, TODAY)
    assert (wanted.start, wanted.end, wanted.in_past) == (start, end, False)


def test_explicit_past_date_is_flagged():
    assert parse_date_request("10/01/2020", TODAY).in_past


@pytest.mark.parametrize("text", ["cardiologia", "sim", "31/02", ""])
def test_not_a_date(text):
    assert parse_date_request(text, TODAY) is None


def test_business_days_skip_weekends_and_holidays():
    # 20/11 (Consciência Negra, national since 2024) and the weekend are skipped
    assert add_business_days(date(2026, 11, 19), 1, "MS") == date(2026, 11, 23)
    assert not is_business_day(date(2026, 10, 11), "MS")  # criação do estado de MS (a Sunday anyway)
    assert not is_business_day(date(2026, 12, 25), "MS")
    assert is_business_day(date(2026, 11, 24), "MS")


def test_state_holidays_differ_by_state():
    # 09/07 is a São Paulo state holiday (Revolução Constitucionalista), not in MS
    assert not is_business_day(date(2026, 7, 9), "SP")
    assert is_business_day(date(2026, 7, 9), "MS")


def test_ans_deadline_seven_or_fourteen_business_days():
    assert ans_deadline(TODAY, by_code("pediatria"), "MS") == date(2026, 12, 2)
    assert ans_deadline(TODAY, by_code("cardiologia"), "MS") == date(2026, 12, 11)
    # across Christmas and New Year
    assert ans_deadline(date(2026, 12, 21), by_code("odontologia"), "MS") == date(2026, 12, 31)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 40))
def test_business_day_arithmetic_properties(start, n):
    end = add_business_days(start, n, "MS")
    assert end > start and is_business_day(end, "MS")
    counted = sum(1 for i in range(1, (end - start).days + 1)
                  if is_business_day(start + timedelta(days=i), "MS"))
    assert counted == n
