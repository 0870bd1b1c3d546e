"""Status changes pushed by the operator through the signed webhook: told to the person
once and in order (a Content template outside the 24-hour window), replays ignored,
unknown guides refused with nothing changed; polling as the alternative; a deadline
about to pass alerts the attendants' queue."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import func, select, update

from bot.engine import attendants
from bot.flows.guides import updates
from bot.platform import clock
from storage.db import transaction
from storage.models import (
    Conversation,
    Guide,
    GuideEvent,
    GuideTracking,
    OutboundMessage,
    Protocol,
)

from ...conftest import FROZEN_NOW, MARIA, drain
from ..support import identified
from .support import TEMPLATE_SID, push

GUIDE = "G2026000123"


def _event(event_id="evt-1", status="autorizada", at="2026-11-24T13:00:00Z", **extra):
    return {"event_id": event_id, "guide_number": GUIDE, "status": status, "occurred_at": at, **extra}


def _maria_talked(wa):
    identified(wa, MARIA, "status da guia")  # a conversation bound to Maria


def test_a_pushed_change_reaches_the_person_inside_the_window_as_text(wa, client, rt):
    _maria_talked(wa)
    before = len(wa.twilio.created)
    response = push(client, _event(valid_until="2026-12-24"))
    assert response.status_code == 200 and response.json["result"] == "applied"
    drain(rt)
    sent = wa.twilio.created[before:]
    assert len(sent) == 1 and "ContentSid" not in sent[0]
    assert "agora está *autorizada*" in sent[0]["Body"] and "Validade: até *24/12/2026*" in sent[0]["Body"]


def test_outside_24_hours_the_change_goes_as_the_approved_template(wa, client, rt):
    _maria_talked(wa)
    clock.freeze(FROZEN_NOW + timedelta(hours=30))
    before = len(wa.twilio.created)
    response = push(client, _event(at="2026-11-25T19:00:00Z"))
    assert response.status_code == 200
    drain(rt)
    sent = wa.twilio.created[before:]
    assert len(sent) == 1 and sent[0]["ContentSid"] == TEMPLATE_SID
    assert '"2": "G2026000123"' in sent[0]["ContentVariables"]
    assert '"3": "autorizada"' in sent[0]["ContentVariables"]


def test_a_replayed_push_is_ignored_and_an_old_timestamp_refused(wa, client, rt):
    _maria_talked(wa)
    assert push(client, _event()).status_code == 200
    again = push(client, _event())
    assert again.status_code == 200 and again.json["result"] == "duplicate"
    stale_ts = int(FROZEN_NOW.timestamp()) - 3600  # an hour old: a captured request
    old = push(client, _event(event_id="evt-9"), timestamp=stale_ts)
    assert old.status_code == 401 and "window" in old.json["error"]
    forged = push(client, _event(event_id="evt-10", status="negada"), secret="outro")
    assert forged.status_code == 401
    drain(rt)
    with transaction(rt.sessions) as s:
        told = s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.author == "system"))
        assert told == 1
        assert s.scalar(select(func.count()).select_from(GuideEvent)) == 1


def test_changes_are_told_in_the_operators_order_and_an_older_one_is_not_told(wa, client, rt):
    _maria_talked(wa)
    assert push(client, _event("e1", "em_analise", at="2026-11-24T12:00:00Z")).json["result"] == "applied"
    assert push(client, _event("e1b", "em_analise", at="2026-11-24T12:05:00Z")).json["result"] == "unchanged"
    assert push(client, _event("e3", "negada", at="2026-11-24T12:30:00Z",
                               reason="Fora do rol", clause="Cláusula 9")).json["result"] == "applied"
    late = push(client, _event("e2", "autorizada", at="2026-11-24T12:10:00Z"))
    assert late.json["result"] == "stale"
    drain(rt)
    bodies = [b for b in wa.twilio.bodies_to(MARIA) if "Atualização da sua guia" in b]
    assert len(bodies) == 2 and "*em análise*" in bodies[0]
    assert "*negada*" in bodies[1] and "Fundamento no contrato: Cláusula 9" in bodies[1]
    assert not any("*autorizada*" in b for b in bodies)


def test_unknown_guide_is_logged_404_and_nothing_changes(wa, client, rt, caplog):
    _maria_talked(wa)
    response = push(client, {**_event(), "guide_number": "G000000000"})
    assert response.status_code == 404
    assert "unknown guide G000000000" in caplog.text
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count()).select_from(GuideEvent)) == 0
        assert s.scalar(select(func.count()).select_from(GuideTracking)) == 0


def test_malformed_push_gets_400_with_the_reason(client):
    response = push(client, {"event_id": "x", "guide_number": GUIDE, "status": "autorizada"})
    assert response.status_code == 400 and "occurred_at" in response.json["error"]


def test_polling_finds_a_change_and_tells_it_once(app, wa, rt):
    _maria_talked(wa)
    rt.settings = replace(rt.settings, guide_poll_minutes=5)
    with transaction(rt.sessions) as s:  # the guide is followed (asked about once)
        s.add(GuideTracking(number=GUIDE, beneficiary_ref="B001", status="em_analise",
                            conversation_id=s.scalar(select(Conversation.id)),
                            deadline=date(2026, 11, 27), created_at=clock.now()))
    assert updates.poll(rt) == 0  # nothing changed yet
    with transaction(rt.sessions) as s:  # the operator's auditors decide
        s.execute(update(Guide).where(Guide.number == GUIDE)
                  .values(status="autorizada", valid_until=date(2026, 12, 24)))
    assert updates.poll(rt) == 0  # polled less than 5 minutes ago
    clock.freeze(FROZEN_NOW + timedelta(minutes=6))
    assert updates.poll(rt) == 1
    clock.freeze(FROZEN_NOW + timedelta(minutes=12))
    assert updates.poll(rt) == 0  # final: no longer polled
    drain(rt)
    told = [b for b in wa.twilio.bodies_to(MARIA) if "Atualização da sua guia" in b]
    assert len(told) == 1 and "*autorizada*" in told[0]


def test_a_deadline_about_to_pass_alerts_the_attendants_queue_once(wa, rt):
    _maria_talked(wa)
    with transaction(rt.sessions) as s:
        s.add(GuideTracking(number=GUIDE, beneficiary_ref="B001", status="em_analise",
                            conversation_id=s.scalar(select(Conversation.id)),
                            deadline=date(2026, 11, 27), created_at=clock.now()))
    assert updates.alert_deadlines(rt) == 0  # Tue 24/11: two business days ahead
    clock.freeze(FROZEN_NOW + timedelta(days=2))  # Thu 26/11: one business day before
    assert updates.alert_deadlines(rt) == 1
    assert updates.alert_deadlines(rt) == 0
    with transaction(rt.sessions) as s:
        queue = attendants.waiting(s)
        assert [c.address for c in queue] == [MARIA]
        case = s.scalars(select(Protocol).where(Protocol.status == "encaminhado")).one()
        assert "vence em 27/11/2026" in case.events[-1].note
        assert case.details["handoff"] == "case"


def test_registry_down_during_a_push_answers_503_and_stores_nothing(wa, client, rt, monkeypatch):
    from bot.registry.base import RegistryUnavailable
    from bot.registry.embedded import EmbeddedRegistry

    def down(self, number):
        raise RegistryUnavailable("GET /guides: HTTP 503")

    monkeypatch.setattr(EmbeddedRegistry, "guide", down)
    response = push(client, _event())
    assert response.status_code == 503
    with transaction(rt.sessions) as s:
        assert s.scalar(select(func.count()).select_from(GuideEvent)) == 0


def test_without_a_secret_the_webhook_is_closed(client, rt):
    rt.settings = replace(rt.settings, operator_webhook_secret="")
    assert push(client, _event()).status_code == 503


def test_a_guide_the_operator_already_shows_changed_is_still_told(wa, client, rt):
    # The operator's API reflects the change before (or as) it pushes it.
    _maria_talked(wa)
    with transaction(rt.sessions) as s:
        s.execute(update(Guide).where(Guide.number == GUIDE)
                  .values(status="negada", reason="Carência", clause="Cláusula 5"))
    assert push(client, _event(status="negada")).json["result"] == "applied"
    drain(rt)
    told = [b for b in wa.twilio.bodies_to(MARIA) if "Atualização da sua guia" in b]
    assert len(told) == 1 and "Motivo: Carência" in told[0]
