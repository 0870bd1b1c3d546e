"""What the console pages say: transcript masking, reveal audit, transfer, canned replies,
the dashboard's numbers and CSV."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, select

from bot.platform import clock
from handlers.console.queue import QUEUE_LIMIT
from storage.db import make_engine, transaction
from storage.models import AuditEntry, Conversation, Protocol

from ..conftest import MARIA, drain
from .support import conversation_id, make_user, post, sign_in


def _signed(app, rt, login, name, role="attendant"):
    make_user(rt, f"{login}@op.com.br", name, role)
    client = app.test_client()
    sign_in(client, f"{login}@op.com.br")
    return client


def test_cpfs_typed_in_the_chat_and_the_registration_are_masked_until_revealed(app, rt, wa):
    wa.say(MARIA, "atendente")
    wa.say(MARIA, "meu cpf é 11676496726 e o da minha filha 123.456.789-09")
    ana = _signed(app, rt, "ana", "Ana")
    cid = conversation_id(rt, MARIA)
    page = ana.get(f"/console/conversations/{cid}").get_data(as_text=True)
    assert "11676496726" not in page and "116.764.967-26" not in page and "123.456.789-09" not in page
    assert "***.***.*67-26" in page and "***.***.*89-09" in page
    assert "0001234500010" not in page and "•••••••••0010" in page
    assert "05/03/1980" not in page

    revealed = post(ana, f"/console/conversations/{cid}/reveal", {"field": "birth_date"},
                    page=f"/console/conversations/{cid}")
    assert "05/03/1980" in revealed.get_data(as_text=True)
    with transaction(rt.sessions) as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
        assert (entry.what, entry.conversation_id) == ("birth_date", cid)


def test_transfer_hands_the_conversation_to_a_colleague(app, rt, wa, twilio):
    wa.say(MARIA, "atendente")
    cid = conversation_id(rt, MARIA)
    ana = _signed(app, rt, "ana", "Ana")
    bruno = _signed(app, rt, "bruno", "Bruno")
    page = f"/console/conversations/{cid}"
    post(ana, f"{page}/take", page=page)
    with transaction(rt.sessions) as s:
        from storage.models import ConsoleUser
        bruno_user = s.scalars(select(ConsoleUser).where(ConsoleUser.login == "bruno@op.com.br")).one()
        bruno_id, bruno_attendant = bruno_user.id, bruno_user.attendant_id
    assert post(ana, f"{page}/transfer", {"to": bruno_id}, page=page).status_code == 302
    assert ana.get(page).status_code == 404
    assert post(bruno, f"{page}/reply", {"text": "Oi, aqui é o Bruno."}, page=page).status_code == 302
    drain(rt)
    assert twilio.bodies_to(MARIA)[-1] == "Oi, aqui é o Bruno."
    with transaction(rt.sessions) as s:
        assert s.get(Conversation, cid).attendant_id == bruno_attendant


def test_a_reply_before_taking_is_refused_with_a_reason(app, rt, wa):
    wa.say(MARIA, "atendente")
    cid = conversation_id(rt, MARIA)
    ana = _signed(app, rt, "ana", "Ana")
    page = f"/console/conversations/{cid}"
    refused = post(ana, f"{page}/reply", {"text": "oi"}, page=page)
    assert refused.status_code == 409 and "Assuma a conversa antes de responder" in refused.get_data(as_text=True)


def test_canned_replies_are_filled_for_the_person(app, rt, wa):
    wa.say(MARIA, "atendente")
    cid = conversation_id(rt, MARIA)
    ana = _signed(app, rt, "ana", "Ana Souza")
    page = f"/console/conversations/{cid}"
    post(ana, f"{page}/take", page=page)
    html = ana.get(page).get_data(as_text=True)
    assert "Olá, Maria! Aqui é Ana, da equipe de atendimento. Como posso ajudar?" in html


def test_the_dashboard_counts_journeys_handoffs_and_waiting_time(app, rt, wa):
    wa.say(MARIA, "2a via")
    wa.say(MARIA, "atendente")
    cid = conversation_id(rt, MARIA)
    ana = _signed(app, rt, "ana", "Ana")
    clock.freeze(clock.now() + timedelta(minutes=12))
    page = f"/console/conversations/{cid}"
    post(ana, f"{page}/take", page=page)
    sara = _signed(app, rt, "sara", "Sara", role="supervisor")
    csv_text = sara.get("/console/dashboard/journeys.csv").get_data(as_text=True)
    assert csv_text.splitlines()[-1] == "24/11;1;0"
    assert sara.get("/console/dashboard/handoff.csv").get_data(as_text=True).splitlines()[-1] == "24/11;1;100,0"
    waiting = sara.get("/console/dashboard/waiting.csv").get_data(as_text=True).splitlines()
    assert waiting[1] == "p50;12,0;1" and waiting[2] == "p90;12,0;1"
    html = sara.get("/console/dashboard").get_data(as_text=True)
    assert html.count("<svg") >= 3
    assert sara.get("/console/dashboard/nope.csv").status_code == 404


def test_the_dashboard_gives_time_to_complete_per_journey_and_handoff_reasons(app, rt, wa):
    wa.say(MARIA, "2a via")
    clock.freeze(clock.now() + timedelta(minutes=3))
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")  # the bill sent: the 2ª via protocol is concluded, 3 min after opening
    wa.say(MARIA, "atendente")
    sara = _signed(app, rt, "sara", "Sara", role="supervisor")
    completion = sara.get("/console/dashboard/completion.csv").get_data(as_text=True).splitlines()
    assert completion[0].lstrip("\ufeff") == "jornada;mediana (min);concluídas"
    assert completion[1].endswith(";3,0;1"), completion
    reasons = sara.get("/console/dashboard/reasons.csv").get_data(as_text=True).splitlines()
    assert reasons[1] == "pedido do beneficiário;1", reasons


def _waiting_conversations(rt, count: int, *, with_the_bot: bool = False) -> list[int]:
    """`count` conversations waiting for a person, the first the longest; `with_the_bot`:
    back with the bot while the team owes each a case (an "encaminhado" protocol)."""
    now = clock.now()
    ids = []
    with transaction(rt.sessions) as s:
        for n in range(count):
            since = now - timedelta(minutes=count - n)
            c = Conversation(channel="whatsapp", address=f"+55679{n:08d}", data={},
                             created_at=since, handoff=None if with_the_bot else "waiting",
                             escalated_at=since)
            s.add(c)
            s.flush()
            if with_the_bot:
                s.add(Protocol(number=f"2026120700{n:05d}", journey="cadastro",
                               conversation_id=c.id, status="encaminhado", updated_at=since))
            ids.append(c.id)
    return ids


def _rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-conversation="(\d+)"', page)]


def test_in_a_surge_the_queue_shows_the_longest_waits_and_counts_the_rest(app, rt):
    ids = _waiting_conversations(rt, QUEUE_LIMIT + 3)
    ana = _signed(app, rt, "ana", "Ana")

    for path in ("/console/queue", "/console/queue/rows"):
        page = ana.get(path).get_data(as_text=True)
        assert _rows(page) == ids[:QUEUE_LIMIT]
        assert f"Mostrando as {QUEUE_LIMIT} conversas que esperam há mais tempo, de " \
               f"{QUEUE_LIMIT + 3}" in page


def test_the_queue_reads_the_cases_owed_in_one_query_however_many_rows(app, rt, settings):
    ids = _waiting_conversations(rt, 30, with_the_bot=True)
    ana = _signed(app, rt, "ana", "Ana")
    engine = make_engine(settings.database_url)
    reads: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM protocols" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = ana.get("/console/queue/rows").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert _rows(page) == ids
    assert "Caso devido (com o bot)" in page and "2026120700" in page
    assert len(reads) <= 2  # the queue's cases; no query per row
