"""2ª via de boleto end to end: signed webhook in, Twilio API calls out."""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlparse

from sqlalchemy import select

from bot.platform import clock
from bot.services.boleto import is_valid_linha
from storage.db import transaction
from storage.models import Protocol
from tests.conftest import MARIA, PUBLIC_URL, UNKNOWN

MARIA_CPF = "11676496726"
PROTOCOL = re.compile(r"\*(123456\d{8}\d{6})\*")


def test_second_copy_in_three_messages(wa, rt, twilio, client):
    first = wa.say(MARIA, "Oi, preciso da segunda via do boleto")
    assert len(first) == 1
    number = PROTOCOL.search(first[0]).group(1)  # the protocol comes first (ANS)
    assert first[0].index("Protocolo") < first[0].index("3 primeiros dígitos")
    assert "Maria" in first[0]

    listing = wa.say(MARIA, MARIA_CPF[:3])
    assert len(listing) == 1
    assert "1. " in listing[0] and "R$ 489,90" in listing[0] and "(vencido)" in listing[0]
    assert "Contribuição Plano Básico" in listing[0] and "CoParticipação Oftalmo" in listing[0]

    bill = wa.say(MARIA, "1")
    assert len(bill) == 1
    text = bill[0]
    assert "R$ 489,90" in text and "Vencimento" in text
    digits = re.search(r"(\d{5}\.\d{5} \d{5}\.\d{6} \d{5}\.\d{6} \d \d{14})", text).group(1)
    assert is_valid_linha(digits)

    sent = twilio.created[-1]
    media_url = sent["MediaUrl"]
    assert media_url.startswith(f"{PUBLIC_URL}/media/")
    assert sent["StatusCallback"].startswith(f"{PUBLIC_URL}/webhooks/whatsapp/status?oid=")
    pdf = client.get(urlparse(media_url).path)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "private, no-store"

    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        assert protocol.journey == "segunda_via" and protocol.beneficiary_ref == "B001"
        assert [e.status for e in protocol.events] == ["aberto", "concluido"]


def test_pick_by_month_name_and_numeric_competence(wa):
    from bot.language.competence import MONTHS

    wa.say(MARIA, "2a via")
    wa.say(MARIA, MARIA_CPF[:3])
    month = clock.today().month
    # Two bills this month (001 and 054): the month alone asks which, listing only those.
    which = wa.say(MARIA, MONTHS[month - 1].capitalize())[0]
    assert "Encontrei 2 boletos nesse mês" in which and "(vencido)" not in which
    assert "Linha digitável" in wa.say(MARIA, "2")[0]
    wa.say(MARIA, "menu")
    wa.say(MARIA, "2a via")  # identity holds for the session: straight to the list
    previous = date(clock.today().year, month, 1) - timedelta(days=1)
    reply = wa.say(MARIA, f"{previous.month:02d}/{previous.year}")  # one bill, overdue
    assert "venceu em" in reply[0]


def test_overdue_title_points_to_negotiation(wa):
    wa.say(MARIA, "boleto atrasado")
    listing = wa.say(MARIA, MARIA_CPF[:3])
    lines = [l for l in listing[0].splitlines() if "(vencido)" in l]
    index = lines[0].split(".")[0]
    reply = wa.say(MARIA, index)
    assert "venceu em" in reply[0] and "atraso" in reply[0]


def test_wrong_choice_keeps_the_state(wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, MARIA_CPF[:3])
    reply = wa.say(MARIA, "9")
    assert "Não encontrei esse boleto" in reply[0]
    reply = wa.say(MARIA, "1")
    assert "Linha digitável" in reply[0]


def test_expired_or_forged_media_link_is_refused(client):
    assert client.get("/media/forged-token/boleto.pdf").status_code == 404


def test_unknown_phone_needs_full_cpf_and_birth_date(wa):
    reply = wa.say(UNKNOWN, "2a via")
    assert "informe seu *CPF*" in reply[0]
    assert "não parece válido" in wa.say(UNKNOWN, "123.456.789-00")[0]  # bad check digits
    assert "data de nascimento" in wa.say(UNKNOWN, "116.764.967-26")[0]
    assert "Não entendi a data" in wa.say(UNKNOWN, "ontem")[0]
    listing = wa.say(UNKNOWN, "05/03/1980")
    assert "boletos em aberto" in listing[0]


def test_three_wrong_identity_answers_block_for_15_minutes(wa):
    wa.say(MARIA, "2a via")
    assert "2 tentativas" in wa.say(MARIA, "999")[0]
    assert "1 tentativa" in wa.say(MARIA, "998")[0]
    blocked = wa.say(MARIA, "997")[0]
    assert "15 minutos" in blocked and "atendente" in blocked
    again = wa.say(MARIA, "2a via")[0]
    assert "bloqueada" in again
    assert "boletos em aberto" not in again


def test_listing_has_recent_paid_competences_marked_paid(wa):
    from bot.language.formatting import month_year

    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, MARIA_CPF[:3])[0]
    assert "boletos em aberto e os pagos recentemente" in listing
    today = clock.today()
    two_months_ago = date(today.year, today.month, 1) - timedelta(days=32)
    three_months_ago = date(two_months_ago.year, two_months_ago.month, 1) - timedelta(days=1)
    [paid_line] = [l for l in listing.splitlines() if "*pago*" in l]
    assert month_year(two_months_ago) in paid_line
    assert month_year(three_months_ago) not in listing  # paid long ago: not "recent"
    assert listing.count("vence ") == 3  # the three open titles are all still there


def test_choosing_a_paid_competence_says_so_instead_of_sending_a_bill(wa, rt, twilio):
    from bot.language.formatting import brdate

    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, MARIA_CPF[:3])[0]
    number = next(l for l in listing.splitlines() if "*pago*" in l).split(".")[0]
    reply = wa.say(MARIA, number)
    assert len(reply) == 1
    assert "já está *pago*" in reply[0] and "Não é preciso pagar de novo" in reply[0]
    assert f"registrado em {brdate(clock.today() - timedelta(days=52))}" in reply[0]
    assert "Linha digitável" not in reply[0] and "MediaUrl" not in twilio.created[-1]
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol)).one()
        assert protocol.status == "concluido" and "já pago" in protocol.events[-1].note


def test_no_open_bill_lists_the_recent_payments(wa, rt):
    from sqlalchemy import update

    from storage.models import FinancialTitle

    with transaction(rt.sessions) as s:
        s.execute(update(FinancialTitle).where(FinancialTitle.ref.in_(["T1001", "T1002", "T1004"]))
                  .values(status="cancelled"))
    wa.say(MARIA, "2a via")
    reply = wa.say(MARIA, MARIA_CPF[:3])[0]
    assert "não tem boletos em aberto" in reply
    assert "Pagamentos recentes" in reply and "pago em" in reply


def test_identity_block_names_the_configured_number_of_attempts(app, rt, wa):
    from dataclasses import replace

    rt.settings = replace(rt.settings, identity_max_attempts=2)
    wa.say(MARIA, "2a via")
    assert "1 tentativa" in wa.say(MARIA, "999")[0]
    blocked = wa.say(MARIA, "998")[0]
    assert "depois de 2 tentativas" in blocked


def test_two_bills_of_one_month_are_sent_under_different_file_names(wa, twilio, client):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, MARIA_CPF[:3])
    wa.say(MARIA, "1 e 2")  # both December bills: Contribuição and CoParticipação
    urls = [c["MediaUrl"] for c in twilio.created if c.get("MediaUrl")]
    names = [urlparse(u).path.rsplit("/", 1)[1] for u in urls]
    month = f"{clock.today():%Y-%m}"
    assert names == [f"boleto-{month}-contribuicao-plano-basico.pdf",
                     f"boleto-{month}-coparticipacao-oftalmo.pdf"]
    assert all(client.get(urlparse(u).path).status_code == 200 for u in urls)


def test_asking_for_the_2a_via_again_at_the_list_shows_it_again(wa):
    wa.say(MARIA, "2a via")
    listing = wa.say(MARIA, MARIA_CPF[:3])
    for _ in range(3):  # never a misunderstanding: no menu, no attendant
        assert wa.say(MARIA, "segunda via do boleto") == listing
    assert "Vencimento" in wa.say(MARIA, "1")[0]


def test_a_month_not_on_the_list_is_still_not_found(wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, MARIA_CPF[:3])
    assert wa.say(MARIA, "boleto de março")[0].startswith("Não encontrei esse boleto")
