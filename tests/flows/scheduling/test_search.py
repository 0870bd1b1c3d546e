"""Searching through the signed webhook: dates as people write them, bad values, empty
dates versus the ANS guarantee, list titles typed back, the holidays of the person's state."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.flows.scheduling.deadlines import ans_deadline
from bot.language.templates import render
from bot.platform import clock
from bot.registry.base import ProviderInfo, SlotInfo
from storage.db import transaction
from storage.models import Beneficiary, Conversation, Provider, Slot
from tests.conftest import JOSE, MARIA, drain
from tests.scheduling_support import appointments, conversation_state, protocols

DAY_HEADER = re.compile(r"^\*[^,*]+, (\d\d/\d\d/\d{4})\*$", re.M)


def _days_shown(reply: str) -> list[date]:
    return [datetime.strptime(d, "%d/%m/%Y").date() for d in DAY_HEADER.findall(reply)]


def _results_for(wa, phone, text, cpf3, patient=None) -> str:
    wa.say(phone, text)
    reply = wa.say(phone, cpf3)[0]
    return wa.say(phone, patient)[0] if patient else reply


# -- item 9: dates as people write them -------------------------------------------------------
# Today is Tuesday 24/11/2026.
@pytest.mark.parametrize("words,first,last", [
    ("amanhã", date(2026, 11, 25), date(2026, 11, 25)),
    ("sexta", date(2026, 11, 27), date(2026, 11, 27)),
    ("dia 3", date(2026, 12, 3), date(2026, 12, 3)),
    ("15/12", date(2026, 12, 15), date(2026, 12, 15)),
    ("a partir de 10/12", date(2026, 12, 10), None),
    ("semana que vem", date(2026, 11, 30), date(2026, 12, 6)),
])
def test_dates_as_people_write_them(wa, words, first, last):
    reply = _results_for(wa, MARIA, f"marcar cardiologia {words}", "116", "eu")
    days = _days_shown(reply)
    assert days and days[0] == first, reply
    assert all(first <= d <= (last or date.max) for d in days)


@pytest.mark.parametrize("words,first", [
    ("amanhã", date(2026, 11, 25)), ("sexta", date(2026, 11, 27)), ("dia 3", date(2026, 12, 3)),
])
def test_dates_answering_outra_data(wa, words, first):
    _results_for(wa, MARIA, "marcar cardiologia", "116", "eu")
    assert "Para qual data?" in wa.say(MARIA, "outra data")[0]
    assert _days_shown(wa.say(MARIA, words)[0])[0] == first


def test_a_day_that_has_passed_this_year_means_next_year(wa):
    clock.freeze(datetime(2026, 12, 20, 13, 0))  # the demo agenda ends before 15/12/2027
    reply = _results_for(wa, MARIA, "marcar cardiologia 15/12", "116", "eu")
    assert "Não encontrei horários de Cardiologia em Campo Grande em 15/12/2027" in reply
    assert "Estes são os mais próximos" in reply


# -- item 8: bad values get a short reply and change nothing -----------------------------------
def test_unknown_city_at_entry_is_said_and_asked_not_replaced_by_the_home_city(wa, rt):
    wa.say(MARIA, "marcar cardiologia em Cuiabá")
    reply = wa.say(MARIA, "116")[0]
    assert "Não temos rede credenciada nessa cidade. Escolha uma destas: Campo Grande/MS, Dourados/MS" in reply
    assert "Para quem é a consulta?" in reply
    ask = wa.say(MARIA, "eu")[0]
    assert "Em qual cidade" in ask and "Horários livres" not in ask
    assert conversation_state(rt)[2]["specialty"] == "cardiologia"
    assert "Horários livres de *Cardiologia* em Dourados" in wa.say(MARIA, "dourados")[0]


def test_unknown_city_in_an_answer_keeps_the_valid_parts_and_asks_the_city(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    reply = wa.say(MARIA, "eu, cardiologia em Cuiabá")
    assert reply == ["Não temos rede credenciada nessa cidade. Escolha uma destas: "
                     "Campo Grande/MS, Dourados/MS."]  # the question itself: not asked twice
    flow, state, data, _ = conversation_state(rt)
    assert (state, data["patient"], data["specialty"]) == ("collect", "B001", "cardiologia")
    assert "city" not in data  # never silently the home city
    assert "Horários livres de *Cardiologia* em Dourados" in wa.say(MARIA, "dourados")[0]


def test_a_bad_city_while_asked_who_keeps_the_specialty(wa, rt):
    wa.say(MARIA, "marcar consulta")
    wa.say(MARIA, "116")
    reply = wa.say(MARIA, "cardiologista em cuiaba")[0]
    assert reply.startswith("Não temos rede credenciada nessa cidade")
    assert "Para quem é a consulta?" in reply and "E qual a especialidade?" not in reply
    ask = wa.say(MARIA, "1")[0]
    assert "Em qual cidade" in ask and "Qual especialidade" not in ask
    assert conversation_state(rt)[2]["specialty"] == "cardiologia"


def test_only_a_bad_city_is_refused_without_counting_as_a_misunderstanding(wa, rt):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    for _ in range(3):
        reply = wa.say(MARIA, "em Cuiabá")
        assert reply == ["Não temos rede credenciada nessa cidade. Escolha uma destas: "
                         "Campo Grande/MS, Dourados/MS."]
    assert conversation_state(rt)[3] is None  # no handoff after three refusals
    assert "Em qual cidade" in wa.say(MARIA, "eu")[0]  # the home city is not put in its place


def test_past_date_at_entry_keeps_the_specialty_and_asks_the_date(wa, rt):
    wa.say(MARIA, "marcar cardiologia 10/01/2020")
    reply = wa.say(MARIA, "116")[0]
    assert "Essa data já passou" in reply
    assert conversation_state(rt)[2]["specialty"] == "cardiologia"
    assert "Para qual data?" in wa.say(MARIA, "eu")[0]
    assert _days_shown(wa.say(MARIA, "amanhã")[0]) == [date(2026, 11, 25)]


@pytest.mark.parametrize("words", ["ontem", "anteontem", "10/01/2020", "semana passada"])
def test_past_dates_are_refused_and_the_state_kept(wa, rt, words):
    _results_for(wa, MARIA, "marcar cardiologia", "116", "eu")
    wa.say(MARIA, "outra data")
    before = conversation_state(rt)
    reply = wa.say(MARIA, words)
    assert reply == ['Essa data já passou. Envie uma data a partir de hoje, por exemplo: "amanhã", '
                     '"sexta", "15/12" ou "semana que vem".']
    assert conversation_state(rt) == before


# -- item 3: a chosen date without slots is not an ANS breach ---------------------------------
def test_a_specific_day_without_slots_offers_the_nearest_ones(wa, rt):
    reply = _results_for(wa, MARIA, "marcar cardiologia domingo", "116", "eu")
    assert "Não encontrei horários de Cardiologia em Campo Grande em 29/11/2026. Estes são os mais próximos" in reply
    assert _days_shown(reply)[0] == date(2026, 11, 30)
    flow, state, data, handoff = conversation_state(rt)
    assert (flow, state, handoff) == ("agendamento", "pick", None)
    assert [p[:2] for p in protocols(rt).values()] == [("agendamento", "aberto")]


def _book_out(rt, specialty: str, city: str, start: date, end: date) -> None:
    """Someone else took every slot of those days."""
    with transaction(rt.sessions) as s:
        providers = select(Provider.id).where(Provider.specialty == specialty, Provider.city == city)
        s.execute(update(Slot).where(Slot.provider_id.in_(providers),
                                     Slot.starts_at >= datetime.combine(start, datetime.min.time()),
                                     Slot.starts_at <= datetime.combine(end, datetime.max.time()))
                  .values(status="booked", booking_ref="someone-else"))


def test_next_week_full_shows_this_weeks_slots_instead_of_a_guarantee(wa, rt):
    _book_out(rt, "cardiologia", "Campo Grande", date(2026, 11, 30), date(2026, 12, 6))
    reply = _results_for(wa, MARIA, "marcar cardiologia semana que vem", "116", "eu")
    assert "entre 30/11/2026 e 06/12/2026. Estes são os mais próximos" in reply
    assert _days_shown(reply)[0] == date(2026, 11, 25)
    assert conversation_state(rt)[3] is None


def test_next_week_with_nothing_until_the_deadline_is_a_guarantee_case(wa, rt):
    reply = _results_for(wa, MARIA, "marcar endocrinologista semana que vem", "116", "eu")
    assert "prazo de atendimento garantido pela ANS" in reply
    assert conversation_state(rt)[3] == "waiting"


def test_a_date_after_the_deadline_without_slots_is_not_a_guarantee_case(wa, rt):
    reply = _results_for(wa, MARIA, "marcar endocrinologista dia 20", "116", "eu")
    assert "Não encontrei horários de Endocrinologia em Campo Grande em 20/12/2026" in reply
    assert "Estes são os mais próximos" in reply and conversation_state(rt)[3] is None


# -- item 4: one protocol for the guarantee case ---------------------------------------------
def test_no_slot_within_the_deadline_turns_the_journey_protocol_into_the_guarantee(wa, rt):
    opened = wa.say(JOSE, "preciso de endocrinologista em campo grande")[0]
    number = re.search(r"\*(\d+)\*", opened).group(1)
    reply = wa.say(JOSE, "682")[0]
    deadline = ans_deadline(clock.today(), "endocrinologia", "MS")
    assert f"prazo de atendimento garantido pela ANS, que vai até {deadline:%d/%m/%Y}" in reply
    assert f"Seu protocolo *{number}* agora é de garantia de atendimento" in reply
    assert "na fila da nossa equipe" in reply
    assert set(re.findall(r"\*(\d{20})\*", reply)) == {number}  # one number for the person
    assert protocols(rt) == {number: ("garantia_atendimento", "encaminhado", ["aberto", "encaminhado"])}
    with transaction(rt.sessions) as s:
        from storage.models import Protocol

        protocol = s.scalars(select(Protocol)).one()
        assert protocol.details["deadline"] == deadline.isoformat()
        assert protocol.details["specialty"] == "endocrinologia" and protocol.details["patient"] == "B010"
        c = s.scalars(select(Conversation).where(Conversation.address == JOSE)).one()
        assert c.handoff == "waiting" and number in c.handoff_reason
        assert c.data == {"protocol": number}  # what the attendants' API shows


# -- item 11: holidays of the beneficiary's state ---------------------------------------------
def test_ans_deadline_skips_the_holidays_of_the_beneficiarys_state(wa, rt):
    # 30/11/2026 is a state holiday in the Federal District, not in Mato Grosso do Sul.
    with transaction(rt.sessions) as s:
        jose = s.scalars(select(Beneficiary).where(Beneficiary.ref == "B010")).one()
        jose.address = {**jose.address, "city": "Brasília", "state": "DF"}
    wa.say(JOSE, "preciso de endocrinologista em campo grande")
    reply = wa.say(JOSE, "682")[0]
    in_df, in_ms = (ans_deadline(clock.today(), "endocrinologia", uf) for uf in ("DF", "MS"))
    assert in_df == in_ms + timedelta(days=1)
    assert f"vai até {in_df:%d/%m/%Y}" in reply


# -- item 7 and 12: list titles -----------------------------------------------------------------
def _interactive(rt):
    rt.settings = replace(rt.settings, content_list_sid="HXlist", content_buttons_sid="HXbuttons")


def test_typing_a_list_title_chooses_that_slot(wa, rt, twilio):
    _interactive(rt)
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    variables = json.loads(twilio.created[-1]["ContentVariables"])
    titles = [variables[str(3 * i)] for i in range(1, 9)]
    assert len(set(titles)) == 8
    assert all(len(t) <= 24 and t == t.strip() for t in titles)
    assert titles[2] == "25/11 09:30 Dr. Ricardo"
    wa.say(MARIA, titles[2].upper())  # typed, no ListId
    assert conversation_state(rt)[1] == "confirm"
    assert conversation_state(rt)[2]["slot"] == variables["8"].split(":")[1]


def test_confirmation_buttons_come_from_templates(wa, rt, twilio):
    _interactive(rt)
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    wa.post(MARIA, "25/11 08:00 Dr. Ricardo", extra={"ListId": json.loads(
        twilio.created[-1]["ContentVariables"])["2"]})
    drain(rt)
    sent = twilio.created[-1]
    variables = json.loads(sent["ContentVariables"])
    assert sent["ContentSid"] == "HXbuttons"
    assert [variables[k] for k in ("2", "3", "5", "6", "8", "9")] == [
        "confirm:yes", render("scheduling/button_confirm"), "confirm:no",
        render("scheduling/button_other_time"), "confirm:wrong_data",
        render("scheduling/button_wrong_data")]
    assert "05/03/1980" in variables["1"]  # the data to confirm
    assert "telefone (67) 99999-0001." in variables["1"] and MARIA not in variables["1"]


def test_list_titles_stay_distinct_and_clean_when_names_collide():
    from bot.flows.scheduling.flow import slot_items

    def slot(ref, professional):
        provider = ProviderInfo("P", "Clínica", professional, "cardiologia", "Rua A, 1",
                                "Campo Grande", "MS")
        return SlotInfo(ref, provider, datetime(2026, 11, 25, 9, 30))

    items = slot_items([slot("1", "Dr. Ricardo Tavares"), slot("2", "Dr. Ricardo Lima"),
                        slot("3", "Dra. Maria Auxiliadora Bittencourt"),
                        slot("4", "Dr. Bartolomeuzinhoalexandre Souza"),
                        slot("5", "Dra. Ana Souza"), slot("6", "Dra. Ana Santos")])
    titles = [i["title"] for i in items]
    assert titles == ["25/11 09:30 Ricardo T.", "25/11 09:30 Ricardo L.", "25/11 09:30 Dra. Maria",
                      "25/11 09:30 Dr. Bartolom", "25/11 09:30 Ana S. (1)", "25/11 09:30 Ana S. (2)"]
    assert all(len(t) <= 24 and t == t.strip() for t in titles)


# -- item 13: "my data is wrong" (issue 12: the registration update, no longer a person) ---
@pytest.mark.parametrize("answer", [{"body": "meus dados estão incorretos"},
                                    {"body": "Dados incorretos", "extra": {"ButtonPayload": "confirm:wrong_data"}}])
def test_wrong_data_starts_the_registration_update_without_booking(wa, rt, answer):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    confirm = wa.say(MARIA, "1")[0]
    assert "*dados incorretos*" in confirm
    reply = wa.say(MARIA, answer["body"], extra=answer.get("extra"))[0]
    assert "o horário ainda não foi reservado" in reply and "O que você quer atualizar?" in reply
    assert appointments(rt) == []
    flow, state, data, handoff = conversation_state(rt)
    assert (flow, state, handoff) == ("registration", "which", None)
    [(old, scheduling), (new, registration)] = protocols(rt).items()
    assert data["protocol"] == new and data["next_request"]["flow"] == "agendamento"
    assert scheduling == ("agendamento", "cancelado", ["aberto", "cancelado"])
    assert registration == ("atualizacao_cadastral", "aberto", ["aberto"])


# -- round 2, item 15: the phone as people write it -----------------------------------------
def test_confirmation_shows_the_phone_as_people_write_it(wa):
    wa.say(MARIA, "marcar cardiologia")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    confirm = wa.say(MARIA, "1")[0]
    assert "Telefone: (67) 99999-0001" in confirm and MARIA not in confirm


# -- round 2, item 8: no provider of the specialty at all ------------------------------------
@pytest.mark.parametrize("words", ["marcar neurologista 15/12", "marcar neurologista",
                                   "marcar neurologista semana que vem",
                                   "marcar neurologista a partir de 10/12"])
def test_a_specialty_without_providers_is_a_guarantee_case_at_once(wa, rt, words):
    reply = _results_for(wa, MARIA, words, "116", "eu")
    deadline = ans_deadline(clock.today(), "neurologia", "MS")
    assert ("Nossa rede credenciada não tem horários de Neurologia em Campo Grande nos "
            f"próximos 60 dias. Mesmo assim, sua consulta é garantida pela ANS dentro do prazo "
            f"de atendimento, que vai até {deadline:%d/%m/%Y}.") in reply
    assert "Quer tentar outra data?" not in reply and "na fila da nossa equipe" in reply
    [(number, protocol)] = protocols(rt).items()
    assert protocol == ("garantia_atendimento", "encaminhado", ["aberto", "encaminhado"])
    with transaction(rt.sessions) as s:
        from storage.models import Protocol

        details = s.scalars(select(Protocol)).one().details
    assert details["reason"] == "sem_prestador" and details["deadline"] == deadline.isoformat()
    assert conversation_state(rt)[3] == "waiting"


# -- round 2, item 10: informal writing and the period of the day ----------------------------
@pytest.mark.parametrize("words,first,last", [
    ("semana q vem", date(2026, 11, 30), date(2026, 12, 6)),
    ("pra prox semana", date(2026, 11, 30), date(2026, 12, 6)),
    ("amanha", date(2026, 11, 25), date(2026, 11, 25)),
    ("dps de amanhã", date(2026, 11, 26), date(2026, 11, 26)),
])
def test_informal_dates_through_the_webhook(wa, words, first, last):
    reply = _results_for(wa, MARIA, f"vc tem cardio {words}", "116", "eu")
    days = _days_shown(reply)
    assert days and days[0] == first and all(first <= d <= last for d in days), reply


def _times_shown(reply: str) -> list[str]:
    return re.findall(r"^\d+\. (\d\d:\d\d) –", reply, re.M)


def test_friday_afternoon_shows_only_that_afternoons_slots(wa, rt):
    reply = _results_for(wa, MARIA, "marcar cardio sexta a tarde", "116", "eu")
    assert "Horários livres de *Cardiologia* em Campo Grande à tarde:" in reply
    assert _days_shown(reply) == [date(2026, 11, 27)]
    times = _times_shown(reply)
    assert times and all("12:00" <= t < "18:00" for t in times), reply
    assert conversation_state(rt)[2]["period"] == "tarde"


def test_de_manha_filters_the_morning(wa):
    # Dra. Helena Kato sees patients all day on Thursday 26/11.
    reply = _results_for(wa, MARIA, "marcar ginecologista quinta de manhã", "116", "eu")
    assert _days_shown(reply) == [date(2026, 11, 26)]
    times = _times_shown(reply)
    assert times and all(t < "12:00" for t in times), reply


def test_a_period_with_no_slot_says_so_and_shows_the_others(wa, rt):
    reply = _results_for(wa, MARIA, "marcar cardiologia à noite", "116", "eu")
    assert "Não encontrei horários à noite em Campo Grande; veja os de outros períodos do dia." in reply
    assert _times_shown(reply) and "period" not in conversation_state(rt)[2]
    assert conversation_state(rt)[3] is None  # a preference never makes an ANS case


def test_asking_for_the_afternoon_at_the_list_searches_again(wa):
    _results_for(wa, MARIA, "marcar cardiologia", "116", "eu")
    times = _times_shown(wa.say(MARIA, "tem à tarde?")[0])
    assert times and all(t >= "12:00" for t in times)


# -- round 2, item 11: no agenda on holidays ---------------------------------------------------
def test_no_slots_on_a_national_holiday(wa, rt):
    from bot.cli import DEMO_FILE
    from storage.loader import load_file

    clock.freeze(datetime(2026, 12, 20, 13, 0))
    with transaction(rt.sessions) as s:
        load_file(s, DEMO_FILE)  # agendas from 21/12 on: Christmas inside
        dentist = s.scalars(select(Provider).where(Provider.ref == "P009")).one()
        # An agenda loaded by an earlier version still holds Christmas: not offered either.
        s.add(Slot(provider_id=dentist.id, starts_at=datetime(2026, 12, 25, 10, 0)))
    reply = _results_for(wa, MARIA, "marcar dentista 25/12", "116", "eu")
    assert ("Não encontrei horários de Odontologia em Campo Grande em 25/12/2026. "
            "Estes são os mais próximos") in reply
    assert date(2026, 12, 25) not in _days_shown(reply)
    assert _days_shown(reply)[0] == date(2026, 12, 28)


# -- round 2, item 14: holidays when neither state is known -----------------------------------
def test_ans_deadline_uses_the_operator_state_when_no_other_is_known(wa, rt):
    # 30/11/2026 is a state holiday in the Federal District only.
    rt.settings = replace(rt.settings, operator_state="DF")
    with transaction(rt.sessions) as s:
        jose = s.scalars(select(Beneficiary).where(Beneficiary.ref == "B010")).one()
        jose.address = {**jose.address, "state": ""}
        s.execute(update(Provider).where(Provider.city == "Campo Grande").values(state=""))
    wa.say(JOSE, "preciso de endocrinologista em campo grande")
    reply = wa.say(JOSE, "682")[0]
    in_df, national = (ans_deadline(clock.today(), "endocrinologia", uf) for uf in ("DF", None))
    assert in_df == national + timedelta(days=1)
    assert f"vai até {in_df:%d/%m/%Y}" in reply


# -- issue 3: ranges that give the month once ------------------------------------------------
@pytest.mark.parametrize("words", ["entre 10 e 15/12", "de 10 a 15/12", "do dia 10 ao dia 15",
                                   "de 10 a 15 de dezembro", "10 a 15/12", "dia 10 até 15 de dezembro"])
def test_a_range_with_the_month_given_once_is_the_whole_span(wa, words):
    reply = _results_for(wa, MARIA, f"marcar cardiologia {words}", "116", "eu")
    days = _days_shown(reply)
    assert days and days[0] == date(2026, 12, 10), reply  # not only 15/12
    assert all(date(2026, 12, 10) <= d <= date(2026, 12, 15) for d in days), reply
    more = _days_shown(wa.say(MARIA, "mais")[0])  # the next page goes on within the span
    assert more and all(date(2026, 12, 10) <= d <= date(2026, 12, 15) for d in more)
