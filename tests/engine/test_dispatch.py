"""Engine behaviour: menu, intents, global commands, misunderstanding, idle expiry, protocols."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.language import intents
from bot.platform import clock
from bot.services import protocols
from storage.db import transaction
from storage.models import Conversation, Protocol
from tests.conftest import MARIA


@pytest.mark.parametrize("text,expected", [
    ("2a via", "segunda_via"),
    ("2ª via", "segunda_via"),
    ("segunda via do boleto", "segunda_via"),
    ("segunda vai do boleto", "segunda_via"),
    ("boleto atrasado", "segunda_via"),
    ("Preciso do BOLETO", "segunda_via"),
    ("meus protocolos", "protocolos"),
    ("qual o número do protocolo?", "protocolos"),
    ("quero uma pizza", None),
])
def test_intent_recognition_tolerates_accents_typos_and_synonyms(text, expected):
    from bot.flows.catalog import JOURNEYS

    match = intents.detect(text, JOURNEYS.intent_table())
    assert (match.name if match else None) == expected


@pytest.mark.parametrize("text,expected", [
    ("menu", "menu"), ("Menu!", "menu"), ("cancelar", "cancel"), ("SAIR", "cancel"),
    ("quero falar com um atendente", "human"), ("atendente", "human"), ("boleto", None),
])
def test_global_commands(text, expected):
    assert intents.command(text) == expected


def test_greeting_shows_numbered_menu(wa):
    reply = wa.say(MARIA, "Bom dia!")[0]
    assert reply.startswith("Olá, Maria!")
    assert "1. 2ª via de boleto" in reply and "Falar com um atendente" in reply


def test_menu_number_starts_the_journey(wa):
    assert "3 primeiros dígitos" in wa.say(MARIA, "1")[0]


def test_two_misunderstandings_offer_menu_and_human(wa):
    first = wa.say(MARIA, "quero uma pizza")[0]
    assert "não entendi" in first.lower() and "*atendente*" not in first
    second = wa.say(MARIA, "pizza de calabresa")[0]
    assert "*menu*" in second and "*atendente*" in second


def test_cancel_leaves_the_journey_and_closes_the_protocol(wa, rt):
    wa.say(MARIA, "2a via")
    assert "encerrei este assunto" in wa.say(MARIA, "cancelar")[0]
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol)).one().status == "cancelado"
        assert s.scalars(select(Conversation)).one().flow is None


def test_idle_conversation_expires_and_starts_fresh(wa, rt):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")  # identity confirmed, choosing a bill
    clock.freeze(clock.now() + timedelta(minutes=31))
    reply = wa.say(MARIA, "1")[0]
    assert "encerrada por inatividade" in reply
    assert "Linha digitável" not in reply  # the old choice is gone...
    again = wa.say(MARIA, "2a via")[0]
    assert "3 primeiros dígitos" in again  # ...and so is the identity confirmation


def test_switching_journey_mid_flow_with_a_clear_request(wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    reply = wa.say(MARIA, "meus protocolos")[0]
    assert "Seus protocolos mais recentes" in reply


def test_my_protocols_lists_status(wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    reply = wa.say(MARIA, "meus protocolos")[0]
    assert re.search(r"\*123456\d{14}\* – 2ª via de boleto – concluído", reply)


def test_protocol_number_format_and_daily_sequence(rt, settings):
    day = clock.today()
    with transaction(rt.sessions) as s:
        a = protocols.open_protocol(s, settings, "segunda_via", beneficiary_ref="B001", conversation_id=None)
        b = protocols.open_protocol(s, settings, "segunda_via", beneficiary_ref="B001", conversation_id=None)
    assert a.number == f"123456{day:%Y%m%d}000001"
    assert b.number == f"123456{day:%Y%m%d}000002"
    assert protocols.format_number("{ans}-{date:%Y}-{seq:08d}", "123456", date(2026, 1, 2), 7) == "123456-2026-00000007"


def test_protocol_numbers_are_unique_under_concurrency(rt, settings):
    numbers: list[str] = []
    errors: list[Exception] = []

    def open_many():
        try:
            for _ in range(10):
                with transaction(rt.sessions) as s:
                    numbers.append(protocols.open_protocol(
                        s, settings, "segunda_via", beneficiary_ref=None, conversation_id=None).number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 40 and len(set(numbers)) == 40


def test_money_and_dates_in_brazilian_format():
    from decimal import Decimal

    from bot.language.formatting import brdate, mask_cpf, money

    assert money(Decimal("1234.56")) == "R$ 1.234,56"
    assert money(Decimal("0.5")) == "R$ 0,50"
    assert brdate(date(2026, 3, 5)) == "05/03/2026"
    assert mask_cpf("116.764.967-26") == "116.***.***-26"


def test_full_cpf_never_reaches_the_logs(caplog):
    import logging

    from bot.platform.logs import CpfMaskingFilter

    logger = logging.getLogger("planbot.test")
    handler_filter = CpfMaskingFilter()
    record = logger.makeRecord("planbot.test", logging.INFO, __file__, 1,
                               "cpf %s and %s", ("11676496726", "116.764.967-26"), None)
    handler_filter.filter(record)
    assert "11676496726" not in record.getMessage()
    assert "116.764.967-26" not in record.getMessage()
    assert record.getMessage() == "cpf 116.***.***-26 and 116.***.***-26"


def test_cpf_is_masked_for_any_logger_once_logging_is_configured(caplog):
    import logging

    from bot.platform.logs import configure_logging

    configure_logging()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("job args %s", "116.764.967-26")
    assert "116.764.967-26" not in caplog.text and "116.***.***-26" in caplog.text


def test_third_misunderstanding_in_a_row_escalates_to_a_human(wa, rt):
    wa.say(MARIA, "quero uma pizza")
    wa.say(MARIA, "pizza de calabresa")
    reply = wa.say(MARIA, "com borda recheada")[0]
    assert "Vou chamar um de nossos atendentes" in reply
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        assert c.handoff == "waiting" and "não entendeu" in c.handoff_reason


def _set_phones(rt, ref: str, phones: list[str]) -> None:
    """What a registry reload does: the beneficiary's phones change under the conversation."""
    from sqlalchemy import delete

    from storage.models import Beneficiary, BeneficiaryPhone

    with transaction(rt.sessions) as s:
        person = s.scalars(select(Beneficiary).where(Beneficiary.ref == ref)).one()
        s.execute(delete(BeneficiaryPhone).where(BeneficiaryPhone.phone.in_(phones)))
        person.phones = phones
        s.add_all(BeneficiaryPhone(phone=p, beneficiary_id=person.id) for p in phones)


def test_phone_added_to_the_registry_counts_from_the_next_session(wa, rt):
    from tests.conftest import UNKNOWN

    assert wa.say(UNKNOWN, "oi")[0].startswith("Olá! ")
    _set_phones(rt, "B001", ["+5567999990001", UNKNOWN])
    clock.freeze(clock.now() + timedelta(minutes=31))
    asked = wa.say(UNKNOWN, "2a via")[0]
    assert "Maria" in asked and "3 primeiros dígitos" in asked
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Conversation)).one().beneficiary_ref == "B001"


def test_phone_moved_to_another_beneficiary_is_seen(wa, rt):
    assert wa.say(MARIA, "oi")[0].startswith("Olá, Maria!")
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "116")  # identity confirmed for Maria in this session
    _set_phones(rt, "B020", [MARIA])  # the line now belongs to Fernanda
    assert "Linha digitável" in wa.say(MARIA, "1")[0]  # the running session is not cut short
    clock.freeze(clock.now() + timedelta(minutes=31))
    assert "Fernanda" in wa.say(MARIA, "oi")[-1]
    assert "Fernanda" in wa.say(MARIA, "2a via")[0]


def test_identity_by_cpf_from_an_unregistered_phone_lasts_one_session(wa):
    from tests.conftest import UNKNOWN

    wa.say(UNKNOWN, "2a via")
    wa.say(UNKNOWN, "116.764.967-26")
    assert "boletos em aberto" in wa.say(UNKNOWN, "05/03/1980")[0]
    clock.freeze(clock.now() + timedelta(minutes=31))
    wa.say(UNKNOWN, "oi")
    assert "informe seu *CPF*" in wa.say(UNKNOWN, "2a via")[0]


def test_a_turn_holding_a_new_protocol_does_not_block_the_next_one(rt, settings):
    """Two journeys starting at once: the second must not wait for the first turn to
    commit (it would, for as long as that turn takes, if the day's counter row stayed
    locked in the turn's transaction)."""
    import pytest
    from sqlalchemy import text

    if rt.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer by design")
    with transaction(rt.sessions) as first:
        a = protocols.open_protocol(first, settings, "segunda_via", beneficiary_ref=None,
                                    conversation_id=None)
        with transaction(rt.sessions) as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            b = protocols.open_protocol(second, settings, "agendamento", beneficiary_ref=None,
                                        conversation_id=None)
    assert a.number != b.number


def test_phones_are_shown_as_people_write_them():
    from bot.language.formatting import phone

    assert phone("+5567999990001") == "(67) 99999-0001"
    assert phone("+556799990001") == "(67) 99999-0001"  # WhatsApp's old spelling
    assert phone("+556733334444") == "(67) 3333-4444"
    assert phone("+14155550100") == "+1 415-555-0100"


# -- item 8: every final status is a closed one ----------------------------------------------
def _statuses_set_in_code() -> set[str]:
    """Every literal status given to set_status / close_protocol anywhere in bot/."""
    from pathlib import Path

    pattern = re.compile(r"(?:set_status\([^,]+,\s*|close_protocol\()\s*\"(\w+)\"")
    root = Path(__file__).resolve().parents[2] / "bot"
    return {m for path in root.rglob("*.py") for m in pattern.findall(path.read_text())}


def test_every_protocol_status_in_use_is_classified_open_or_closed():
    used = _statuses_set_in_code()
    assert {"agendado", "acordo", "remarcado", "concluido", "encaminhado"} <= used  # the scan works
    assert used <= protocols.OPEN_STATUSES | protocols.CLOSED_STATUSES
    assert {"agendado", "acordo", "remarcado"} <= protocols.CLOSED_STATUSES


def _finished_protocol_in_the_conversation(rt, settings, status: str, handoff=None) -> str:
    """A journey ended in `status` while its number is still the conversation's, as the
    2ª via leaves its concluded protocol while offering a negotiation."""
    with transaction(rt.sessions) as s:
        c = s.scalars(select(Conversation)).one()
        p = protocols.open_protocol(s, settings, "agendamento", beneficiary_ref="B001",
                                    conversation_id=c.id)
        protocols.set_status(p, status, "fim da jornada")
        c.data = {"protocol": p.number}
        c.handoff = handoff
        return p.number


@pytest.mark.parametrize("status", ["agendado", "acordo", "remarcado"])
def test_a_finished_protocol_is_never_forwarded_to_a_human(wa, rt, settings, status):
    wa.say(MARIA, "oi")
    number = _finished_protocol_in_the_conversation(rt, settings, status)
    reply = wa.say(MARIA, "atendente")[0]
    assert reply.startswith("Protocolo de atendimento (atendimento humano): *")
    with transaction(rt.sessions) as s:
        finished = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert finished.status == status and [e.status for e in finished.events] == ["aberto", status]


def test_release_leaves_a_finished_protocol_as_it_is(wa, rt, settings, client, twilio):
    from bot.engine import attendants as handoff
    wa.say(MARIA, "oi")
    with transaction(rt.sessions) as s:
        token = handoff.create_attendant(s, "Ana")
        attendant = handoff.attendant_for_token(s, token)
        s.scalars(select(Conversation)).one().attendant_id = attendant.id
    number = _finished_protocol_in_the_conversation(rt, settings, "acordo", handoff="attendant")
    cid = _conversation_id(rt)
    response = client.post(f"/api/attendant/conversations/{cid}/release",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    from tests.conftest import drain

    drain(rt)
    released = twilio.bodies_to(MARIA)[-1]
    assert "atendimento com nossa equipe foi encerrado" in released and number not in released
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol).where(Protocol.number == number)).one().status == "acordo"


def _conversation_id(rt) -> int:
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation)).one().id


# -- item 9: CPFs glued to words are masked; long numbers are not -----------------------------
@pytest.mark.parametrize("text,masked", [
    ("cpf11676496726", "cpf116.***.***-26"),
    ("_116.764.967-26", "_116.***.***-26"),
    ("beneficiario_cpf=11676496726&x=1", "beneficiario_cpf=116.***.***-26&x=1"),
    ("CPF:116.764.967-26.", "CPF:116.***.***-26."),
    ("id-11676496726abc", "id-116.***.***-26abc"),
])
def test_cpf_glued_to_a_word_is_masked(text, masked):
    from bot.platform.logs import mask_cpfs

    assert mask_cpfs(text) == masked


@pytest.mark.parametrize("text", [
    "protocolo 12345620261124000001",
    "linha 23790.12345 60000.123456 78901.234567 8 12340000012345",
    "barcode 23791234500000489901234560000000000000000000",
    "whatsapp:+5567999990001", "SM00000000000000000000000000000001", "ip 192.168.100.123",
    "R$ 1.116.764.967,26",
])
def test_long_numbers_are_not_masked(text):
    from bot.platform.logs import mask_cpfs

    assert mask_cpfs(text) == text


def test_my_protocols_names_a_booked_appointment(wa):
    from tests.scheduling_support import book

    assert "Consulta agendada!" in book(wa)
    listing = wa.say(MARIA, "meus protocolos")[0]  # identity confirmed in this session
    assert "– Agendamento – consulta agendada –" in listing
