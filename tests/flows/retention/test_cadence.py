"""The outreach cadence with time travel: four contacts on business days and hours, the
rescission clause with its computed last day, stopped by a reply (WhatsApp or e-mail),
nothing sent twice when a worker dies between or during contacts."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.channels.base import Incoming
from bot.flows.retention import cadence
from bot.pipeline.inbox import accept
from bot.pipeline.sweep import sweep as full_sweep  # what a starting worker runs
from bot.services import outbox
from storage.db import transaction
from storage.models import Conversation, OutboundMessage, RetentionCase, RetentionContact

from ...conftest import drain
from .support import CLINIC_EMAIL, CLINIC_PHONE, at, later, open_case, sweep

TEMPLATE = "HX" + "1" * 32


@pytest.fixture(autouse=True)
def content_template(monkeypatch):
    monkeypatch.setenv("RETENTION_CONTENT_SID", TEMPLATE)


def _contacts(rt, case_id):
    with transaction(rt.sessions) as s:
        rows = s.scalars(select(RetentionContact).where(RetentionContact.case_id == case_id)
                         .order_by(RetentionContact.number, RetentionContact.channel))
        return [(r.number, r.channel, r.status, r.sent_at, r.text) for r in rows]


def _to_clinic(twilio):
    return [m for m in twilio.created if m["To"] == f"whatsapp:{CLINIC_PHONE}"]


def test_full_cadence_four_contacts_with_the_clause_and_its_date(client, rt, twilio):
    case_id = open_case(client, rt)  # Tue 24/11/2026 09:00 local
    assert sweep(rt) == 1
    assert [(n, ch, st) for n, ch, st, *_ in _contacts(rt, case_id)] == [
        (1, "email", "sent"), (1, "whatsapp", "sent")]
    [first] = _to_clinic(twilio)
    assert first["ContentSid"] == TEMPLATE
    assert "solicitação de descredenciamento" in json.loads(first["ContentVariables"])["1"]

    later(days=1)  # Wed: 1 business day, contact 2 waits for 3
    assert sweep(rt) == 0
    at(datetime(2026, 11, 27, 11, 0))  # Fri 07:00 local: the 3rd business day, before hours
    assert sweep(rt) == 0
    at(datetime(2026, 11, 27, 12, 0))  # 08:00 local: open
    assert sweep(rt) == 1
    second = [t for n, ch, st, sent, t in _contacts(rt, case_id) if n == 2]
    assert len(second) == 2
    for text in second:
        assert "Cláusula Décima Primeira (RESCISÃO)" in text
        assert "24/11/2026" in text and "*23/01/2027*" in text  # request date + 60 days
    assert sweep(rt) == 0  # the same contact is never made twice

    at(datetime(2026, 12, 2, 13, 0))  # Wed: 3 business days after Fri
    assert sweep(rt) == 1
    at(datetime(2026, 12, 9, 13, 0))  # 5 business days after
    assert sweep(rt) == 1
    at(datetime(2026, 12, 30, 13, 0))
    assert sweep(rt) == 0  # four contacts at most
    rows = _contacts(rt, case_id)
    assert sorted({n for n, *_ in rows}) == [1, 2, 3, 4] and len(rows) == 8
    assert len(_to_clinic(twilio)) == 4
    with transaction(rt.sessions) as s:
        emails = list(s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "email")))
        assert len(emails) == 4 and all(e.status in ("sent", "local") for e in emails), [
            (e.status, e.error_message) for e in emails]
        assert emails[1].subject.endswith("(2º contato)")


def test_contacts_skip_holidays(client, rt):
    at(datetime(2026, 12, 23, 13, 0))  # Wed 23/12; 25/12 is Christmas
    case_id = open_case(client, rt, protocol="SAD-HOLIDAY")
    sweep(rt)
    at(datetime(2026, 12, 28, 13, 0))  # Mon 28/12: only 2 business days (24, 28)
    assert sweep(rt) == 0
    at(datetime(2026, 12, 29, 13, 0))
    assert sweep(rt) == 1
    assert {n for n, *_ in _contacts(rt, case_id)} == {1, 2}


def test_a_whatsapp_reply_stops_the_cadence(client, rt, wa, twilio):
    case_id = open_case(client, rt)
    sweep(rt)
    later(hours=2)
    replies = wa.say(CLINIC_PHONE, "Olá É q estamos com agenda lotada No momento")
    assert "registrada no processo de descredenciamento" in replies[0]
    at(datetime(2026, 12, 30, 13, 0))
    assert sweep(rt) == 0
    assert {n for n, *_ in _contacts(rt, case_id)} == {1}
    with transaction(rt.sessions) as s:
        case = s.get(RetentionCase, case_id)
        assert (case.status, case.reply_channel, case.suggested_reason) == (
            "replied", "whatsapp", "carteira_particular")


def test_an_email_reply_stops_the_cadence(client, rt):
    case_id = open_case(client, rt)
    sweep(rt)
    at(datetime(2026, 11, 27, 12, 0))
    sweep(rt)  # contact 2
    later(hours=3)
    accept(rt, Incoming(channel="email", sender=CLINIC_EMAIL, recipient="atendimento@plano",
                        text="Bom dia, os valores não compensam mais para a clínica.",
                        external_id="<reply-1@clinica>"))
    drain(rt)
    at(datetime(2026, 12, 30, 13, 0))
    assert sweep(rt) == 0
    assert {n for n, *_ in _contacts(rt, case_id)} == {1, 2}
    with transaction(rt.sessions) as s:
        case = s.get(RetentionCase, case_id)
        assert (case.status, case.reply_channel, case.suggested_reason) == ("replied", "email", "valores")
        answer = s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "email")
                           .order_by(OutboundMessage.id.desc())).first()
        assert "revisão de valores" in answer.body


def test_a_worker_killed_mid_contact_leaves_nothing_and_the_next_sweep_sends_once(
        client, rt, twilio, monkeypatch):
    case_id = open_case(client, rt)
    real = outbox.enqueue_text

    def killed(*args, **kwargs):  # the e-mail goes first: the worker dies right after it
        real(*args, **kwargs)
        raise SystemExit("worker killed")
    monkeypatch.setattr(cadence.outbox, "enqueue_text", killed)
    with pytest.raises(SystemExit):
        cadence.run_cadence(rt)
    assert _contacts(rt, case_id) == []  # rolled back: nothing recorded, nothing queued
    monkeypatch.setattr(cadence.outbox, "enqueue_text", real)
    assert sweep(rt) == 1 and sweep(rt) == 0
    assert len(_to_clinic(twilio)) == 1


def test_a_worker_killed_between_contacts_resumes_without_a_duplicate(client, rt, twilio):
    case_id = open_case(client, rt)
    cadence.run_cadence(rt)  # contact 1 committed; the worker dies before delivering it
    later(minutes=2)  # another worker starts: its sweep delivers what was queued
    full_sweep(reschedule=False)
    drain(rt)
    full_sweep(reschedule=False)
    drain(rt)
    at(datetime(2026, 11, 27, 12, 0))
    full_sweep(reschedule=False)
    drain(rt)
    full_sweep(reschedule=False)
    drain(rt)
    assert len(_to_clinic(twilio)) == 2  # contact 1 once, contact 2 once
    assert [(n, ch) for n, ch, *_ in _contacts(rt, case_id)] == [
        (1, "email"), (1, "whatsapp"), (2, "email"), (2, "whatsapp")]


def test_a_reply_that_reached_a_person_first_still_stops_the_cadence(client, rt, wa):
    case_id = open_case(client, rt)
    sweep(rt)
    with transaction(rt.sessions) as s:  # the clinic's conversation is already queued for a person
        conversation = s.scalars(select(Conversation).where(Conversation.address == CLINIC_PHONE)).one()
        conversation.handoff = "waiting"
    later(hours=1)
    wa.say(CLINIC_PHONE, "Bom dia, recebi a mensagem")
    at(datetime(2026, 11, 27, 12, 0))
    assert sweep(rt) == 0
    with transaction(rt.sessions) as s:
        case = s.get(RetentionCase, case_id)
        assert (case.status, case.reply_channel) == ("replied", "whatsapp")
