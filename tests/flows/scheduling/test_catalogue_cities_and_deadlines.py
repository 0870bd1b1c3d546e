"""Pure helpers of the scheduling journey: specialties, cities, ANS business days, pt-BR dates."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.flows.scheduling.cities import match_city
from bot.flows.scheduling.deadlines import ans_deadline
from bot.flows.scheduling.specialties import CATALOGUE, by_code, match_specialty
from bot.language.dates import DateRequest, parse_date_request
from bot.platform.calendar import add_business_days, is_business_day

TODAY = date(2026, 11, 23)  # a Monday


def d(day: int, month: int, year: int = 2026) -> date:
    return date(year, month, day)


# -- specialties -------------------------------------------------------------------------
def test_catalogue_has_unique_codes_and_ans_categories():
    assert len(CATALOGUE) >= 10
    assert len({s.code for s in CATALOGUE}) == len(CATALOGUE)
    assert {s.category for s in CATALOGUE} == {"basic", "dental", "other"}
    basic = {s.code for s in CATALOGUE if s.category == "basic"}
    assert basic == {"pediatria", "clinica_medica", "cirurgia_geral", "ginecologia"}


@pytest.mark.parametrize("text,code", [
    # names and professional names
    ("Cardiologia", "cardiologia"), ("cardio", "cardiologia"), ("cardiologista", "cardiologia"),
    ("coração", "cardiologia"), ("gineco", "ginecologia"), ("ginecologista", "ginecologia"),
    ("obstetra", "ginecologia"), ("pré-natal", "ginecologia"), ("pediatra", "pediatria"),
    ("pediatria", "pediatria"), ("clínico geral", "clinica_medica"),
    ("clinica medica", "clinica_medica"), ("cirurgião geral", "cirurgia_geral"),
    ("ortopedista", "ortopedia"), ("dentista", "odontologia"), ("odonto", "odontologia"),
    ("cirurgião-dentista", "odontologia"), ("dor de dente", "odontologia"),
    ("dermato", "dermatologia"), ("oftalmo", "oftalmologia"), ("exame de vista", "oftalmologia"),
    ("otorrino", "otorrinolaringologia"), ("endócrino", "endocrinologia"),
    ("urologista", "urologia"),  # not "neurologista" one letter away
    # typos and truncations
    ("cardilogista", "cardiologia"), ("ginecolog", "ginecologia"), ("pediatira", "pediatria"),
    ("ortopedsta", "ortopedia"), ("orotpedista", "ortopedia"), ("dermatolgista", "dermatologia"),
    ("oftamologista", "oftalmologia"), ("otorino", "otorrinolaringologia"),
    ("cirurgia gral", "cirurgia_geral"), ("clinico gerla", "clinica_medica"),
    # inside sentences; the last name mentioned wins, names beat keywords
    ("quero um dermatologista em dourados", "dermatologia"),
    ("PRECISO DE UM CARDIOLOGISTA!!", "cardiologia"),
    ("não é cardio, é dermato", "dermatologia"),
    ("pediatra pro meu filho que tem sopro no coração", "pediatria"),
])
def test_match_specialty(text, code):
    found = match_specialty(text)
    assert found is not None and found.code == code


@pytest.mark.parametrize("text", [
    "", "sim", "não", "menu", "amanhã", "hoje", "1", "Maria", "semana que vem", "astrologia",
    "psicólogo",  # not in the catalogue (medical + dental only)
    "a gente quer marcar",  # "gente" is one letter from "dente"
    "quero pagar à vista",  # negotiation, not the eye doctor
    "canal de atendimento", "segunda via do boleto", "obrigada de coração",
    "autorização de cirurgia",  # a procedure request, not Cirurgia Geral
    "qual o endereço da clínica", "cardápio", "neurose",
])
def test_ordinary_words_are_not_specialties(text):
    assert match_specialty(text) is None


@pytest.mark.parametrize("code,days", [
    ("pediatria", 7), ("clinica_medica", 7), ("cirurgia_geral", 7), ("ginecologia", 7),
    ("odontologia", 7), ("cardiologia", 14), ("ortopedia", 14), ("dermatologia", 14),
])
def test_ans_deadline_days_per_category(code, days):
    assert by_code(code).deadline_business_days == days


# -- cities ------------------------------------------------------------------------------
CITIES = [("Campo Grande", "MS"), ("Dourados", "MS"), ("Três Lagoas", "MS"),
          ("Ponta Porã", "MS"), ("Campo Grande", "RJ")]


@pytest.mark.parametrize("text,expected", [
    ("campo grande", ("Campo Grande", "MS")), ("CAMPO GRANDE - MS", ("Campo Grande", "MS")),
    ("campo grande rj", ("Campo Grande", "RJ")),  # the UF decides between namesakes
    ("campo-grande", ("Campo Grande", "MS")), ("campogrande", ("Campo Grande", "MS")),
    ("campo grnde", ("Campo Grande", "MS")), ("dourados", ("Dourados", "MS")),
    ("Dourado", ("Dourados", "MS")), ("douradso", ("Dourados", "MS")),
    ("em Dourados/MS amanhã", ("Dourados", "MS")), ("tres lagoas", ("Três Lagoas", "MS")),
    ("ponta pora", ("Ponta Porã", "MS")),
    ("pediatra em campo grnde sexta", ("Campo Grande", "MS")),
    ("campo", None), ("são paulo", None), ("sim", None), ("cardiologista", None), ("", None),
])
def test_match_city(text, expected):
    assert match_city(text, CITIES) == expected


def test_match_city_only_knows_the_given_cities():
    assert match_city("dourados", []) is None
    assert match_city("dourados", [("Campo Grande", "MS")]) is None


# -- business days -----------------------------------------------------------------------
@pytest.mark.parametrize("day,business", [
    (d(23, 11), True),  # Monday
    (d(28, 11), False), (d(29, 11), False),  # weekend
    (d(20, 11), False),  # Consciência Negra, national since 2024
    (d(25, 12), False), (d(1, 1, 2027), False), (d(2, 11), False), (d(12, 10), False),
    (d(16, 2), True),  # Carnival is a ponto facultativo, not a holiday
    (d(11, 10, 2027), False),  # Criação do Estado de MS (a Monday in 2027)
])
def test_is_business_day_in_ms(day, business):
    assert is_business_day(day, "MS") is business


def test_state_holidays_differ_by_state():
    assert is_business_day(d(11, 10, 2027), "SP")  # MS only
    assert not is_business_day(d(9, 7), "SP")  # Revolução Constitucionalista, SP only
    assert is_business_day(d(9, 7), "MS")


def test_unknown_or_missing_state_uses_national_holidays():
    assert is_business_day(d(11, 10, 2027), None)
    assert is_business_day(d(11, 10, 2027), "XX")
    assert not is_business_day(d(25, 12), "")
    assert not is_business_day(d(11, 10, 2027), "ms")  # lower-case UF still counts


@pytest.mark.parametrize("start,n,expected", [
    (d(23, 11), 0, d(23, 11)),
    (d(23, 11), 1, d(24, 11)),
    (d(27, 11), 1, d(30, 11)),  # Friday -> Monday
    (d(19, 11), 1, d(23, 11)),  # Thursday -> skips Friday 20/11 and the weekend
    (d(24, 12), 1, d(28, 12)),  # Christmas Friday
    (d(9, 10, 2027), 1, d(13, 10, 2027)),  # Sat -> skips Mon 11/10 (MS) and Tue 12/10
])
def test_add_business_days(start, n, expected):
    assert add_business_days(start, n, "MS") == expected


def test_add_business_days_rejects_negative():
    with pytest.raises(ValueError):
        add_business_days(TODAY, -1, "MS")


@pytest.mark.parametrize("today,code,expected", [
    (TODAY, "pediatria", d(2, 12)),  # 7 business days
    (TODAY, "odontologia", d(2, 12)),
    (TODAY, "cardiologia", d(11, 12)),  # 14 business days
    (d(19, 11), "clinica_medica", d(1, 12)),  # 20/11 holiday in between
    (d(21, 12), "odontologia", d(31, 12)),  # Christmas in between
    (d(21, 12), "dermatologia", d(12, 1, 2027)),  # Christmas and New Year
])
def test_ans_deadline(today, code, expected):
    assert ans_deadline(today, by_code(code), "MS") == expected
    assert ans_deadline(today, code, "MS") == expected  # a code works as well


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 30),
       st.sampled_from(["MS", "SP", "RJ", None]))
def test_add_business_days_lands_on_a_business_day_after_start(start, n, state):
    end = add_business_days(start, n, state)
    assert end > start and is_business_day(end, state)
    between = sum(is_business_day(start + timedelta(days=i), state)
                  for i in range(1, (end - start).days + 1))
    assert between == n


# -- dates -------------------------------------------------------------------------------
@pytest.mark.parametrize("text,start,end", [
    ("hoje", TODAY, TODAY), ("hj", TODAY, TODAY),
    ("amanhã", d(24, 11), d(24, 11)), ("amanha de manhã", d(24, 11), d(24, 11)),
    ("depois de amanhã", d(25, 11), d(25, 11)),
    ("sexta", d(27, 11), d(27, 11)), ("sexta-feira", d(27, 11), d(27, 11)),
    ("próxima sexta", d(27, 11), d(27, 11)), ("terça", d(24, 11), d(24, 11)),
    ("segunda", d(30, 11), d(30, 11)),  # today is Monday: "segunda" is the next one
    ("segunda-feira", d(30, 11), d(30, 11)),
    ("sexta da semana que vem", d(4, 12), d(4, 12)),
    ("15/12", d(15, 12), d(15, 12)), ("15/12/2026", d(15, 12), d(15, 12)),
    ("15-12", d(15, 12), d(15, 12)), ("15/12/26", d(15, 12), d(15, 12)),
    ("10/01", d(10, 1, 2027), d(10, 1, 2027)),  # passed this year: next year
    ("23/11", TODAY, TODAY),
    ("15 de dezembro", d(15, 12), d(15, 12)), ("dia 3 de janeiro", d(3, 1, 2027), d(3, 1, 2027)),
    ("dia 3", d(3, 12), d(3, 12)), ("dia 30", d(30, 11), d(30, 11)),
    ("dia 23", TODAY, TODAY), ("dia 31", d(31, 12), d(31, 12)),  # November has no 31
    ("semana que vem", d(30, 11), d(6, 12)), ("próxima semana", d(30, 11), d(6, 12)),
    ("essa semana", TODAY, d(29, 11)), ("mês que vem", d(1, 12), d(31, 12)),
    ("até sexta", TODAY, d(27, 11)),
    ("entre 10/12 e 15/12", d(10, 12), d(15, 12)), ("de sexta a terça", d(27, 11), d(1, 12)),
    ("pode ser sexta à tarde", d(27, 11), d(27, 11)),
])
def test_single_days_and_ranges(text, start, end):
    assert parse_date_request(text, TODAY) == DateRequest(start=start, end=end)


@pytest.mark.parametrize("text,start", [
    ("a partir de 10/12", d(10, 12)), ("a partir de segunda", d(30, 11)),
    ("a partir da semana que vem", d(30, 11)), ("de 10/12 em diante", d(10, 12)),
    ("depois do dia 10", d(11, 12)), ("depois de sexta", d(28, 11)),
    ("qualquer data", TODAY), ("o quanto antes", TODAY), ("a data mais próxima", TODAY),
    ("tanto faz", TODAY),
])
def test_open_ended_requests(text, start):
    assert parse_date_request(text, TODAY) == DateRequest(start=start, end=None, from_on=True)


def test_explicit_past_date_is_flagged():
    wanted = parse_date_request("10/01/2020", TODAY)
    assert wanted.in_past and wanted.start == d(10, 1, 2020)
    assert parse_date_request("20/11/2026", TODAY).in_past
    assert not parse_date_request("10/01", TODAY).in_past  # no year: rolls forward


@pytest.mark.parametrize("text", [
    "", "sim", "cardiologia", "Maria", "1", "31/02", "15/13", "dia 32", "10:30", "às 10.30",
    "pode ser de manhã", "segunda via", "a segunda opção", "CPF 123.456.789-09",
    "(67) 99999-1234",
])
def test_not_a_date(text):
    assert parse_date_request(text, TODAY) is None


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
       st.sampled_from(["amanhã", "sexta", "segunda", "dia 1", "dia 31", "15/12", "29/02",
                        "semana que vem", "a partir de quarta", "o quanto antes"]))
def test_relative_dates_never_fall_in_the_past(today, text):
    wanted = parse_date_request(text, today)
    if wanted is None:  # "29/02" with no leap year ahead in reach
        assert text == "29/02"
        return
    assert wanted.start >= today and not wanted.in_past
    assert wanted.end is None or wanted.end >= wanted.start


# -- places the network does not have ----------------------------------------------------
@pytest.mark.parametrize("text,place", [
    ("marcar cardiologia em Cuiabá", "cuiaba"),
    ("quero marcar em Três Lagoas amanhã", "tres lagoas"),
    ("cardio em corumbá com o dr. Ricardo", "corumba"),
    ("na cidade de Ponta Porã", "ponta pora"),
    ("consulta em dezembro", None), ("a partir de 10/12 em diante", None),
    ("em breve", None), ("marcar em nome do meu filho", None), ("em 15/12", None),
    ("pode ser em qualquer dia", None), ("em nossa cidade", None), ("pediatra", None),
])
def test_named_place(text, place):
    from bot.flows.scheduling.cities import named_place

    assert named_place(text) == place


@pytest.mark.parametrize("text", ["ontem", "anteontem", "semana passada", "mês passado",
                                  "a partir de ontem"])
def test_past_words_are_flagged(text):
    assert parse_date_request(text, TODAY).in_past


# -- round 2, item 10: chat spellings and the period of the day ------------------------------
@pytest.mark.parametrize("text,start,end", [
    ("semana q vem", d(30, 11), d(6, 12)), ("prox semana", d(30, 11), d(6, 12)),
    ("pra semana q vem", d(30, 11), d(6, 12)), ("hj", TODAY, TODAY), ("hj a noite", TODAY, TODAY),
    ("amanha", d(24, 11), d(24, 11)), ("amanhã", d(24, 11), d(24, 11)),
    ("depois de amanhã", d(25, 11), d(25, 11)), ("dps de amanha", d(25, 11), d(25, 11)),
    ("vc tem pra sexta a tarde?", d(27, 11), d(27, 11)), ("pro dia 10", d(10, 12), d(10, 12)),
    ("sexta da semana q vem", d(4, 12), d(4, 12)),
])
def test_informal_dates(text, start, end):
    assert parse_date_request(text, TODAY) == DateRequest(start=start, end=end)


@pytest.mark.parametrize("text,period", [
    ("de manhã", "manha"), ("pela manha", "manha"), ("amanhã de manhã", "manha"),
    ("sexta a tarde", "tarde"), ("sexta à tarde", "tarde"), ("de tarde", "tarde"),
    ("no fim da tarde", "tarde"), ("à noite", "noite"), ("hj a noite", "noite"),
    ("amanhã", None), ("amanha", None), ("boa tarde, quero marcar", None), ("boa noite", None),
    ("bom dia", None), ("te respondo mais tarde", None), ("de manhã ou à tarde", None),
    ("cardiologia", None), ("", None),
])
def test_day_periods(text, period):
    from bot.language.dates import parse_day_period

    assert parse_day_period(text) == period


@pytest.mark.parametrize("hour,period,inside", [
    (8, "manha", True), (11, "manha", True), (12, "manha", False), (12, "tarde", True),
    (17, "tarde", True), (18, "tarde", False), (18, "noite", True), (21, "noite", True),
    (7, "noite", False), (15, None, True),
])
def test_in_day_period(hour, period, inside):
    from datetime import datetime

    from bot.language.dates import in_day_period

    assert in_day_period(datetime(2026, 11, 27, hour, 30), period) is inside


# -- round 2, item 11: no agenda generated on holidays ---------------------------------------
def test_agendas_skip_national_and_state_holidays_of_the_providers_state():
    from storage.loader import _slot_times

    schedule = {"weekdays": [0, 1, 2, 3, 4], "times": ["09:00"], "from_day": 0, "days": 7}
    in_ms = {t.date() for t in _slot_times(schedule, d(11, 10, 2027), "MS")}
    in_sp = {t.date() for t in _slot_times(schedule, d(11, 10, 2027), "SP")}
    assert d(11, 10, 2027) not in in_ms and d(11, 10, 2027) in in_sp  # Criação do Estado de MS
    assert d(12, 10, 2027) not in in_ms | in_sp  # Nossa Senhora Aparecida, national
    assert d(13, 10, 2027) in in_ms & in_sp
    christmas = {t.date() for t in _slot_times(schedule, d(21, 12, 2026), "MS")}
    assert d(25, 12, 2026) not in christmas and d(24, 12, 2026) in christmas


@pytest.mark.parametrize("text,today,start,end", [
    ("de 28 a 3/1", date(2026, 11, 24), date(2026, 12, 28), date(2027, 1, 3)),
    ("do dia 10 ao dia 15", date(2026, 12, 29), date(2027, 1, 10), date(2027, 1, 15)),
    # on 29/12 the range has begun: 28/12 is not read as next year's
    ("de 28/12 a 3/1", date(2026, 12, 29), date(2026, 12, 28), date(2027, 1, 3)),
    ("de 15/12 a 10/12", date(2026, 11, 24), date(2026, 12, 10), date(2026, 12, 15)),
    # without a lead word, when the second day carries the month
    ("10 a 15/12", date(2026, 12, 6), date(2026, 12, 10), date(2026, 12, 15)),
    ("dias 28 até 3 de janeiro", date(2026, 12, 6), date(2026, 12, 28), date(2027, 1, 3)),
    ("28/12 a 3/1", date(2026, 12, 6), date(2026, 12, 28), date(2027, 1, 3)),
])
def test_ranges_that_give_the_month_once_or_cross_the_year(text, today, start, end):
    assert parse_date_request(text, today) == DateRequest(start=start, end=end)
