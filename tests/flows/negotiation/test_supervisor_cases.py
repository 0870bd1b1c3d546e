"""Cases for the supervisor carry the titles and the offer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, Protocol

ROBERTO = "+5567999990004"  # two titles of code 002, 180 and 150 days overdue (91–360 band)


def _conversation(rt, phone=ROBERTO):
    with transaction(rt.sessions) as s:
        return s.scalars(select(Conversation).where(Conversation.address == phone)).one()


def _to_offer(wa, phone=ROBERTO, cpf3="530"):
    wa.say(phone, "negociar")
    return wa.say(phone, cpf3)[0]


# -- 6: cases for the team carry their context ------------------------------------------------------
@pytest.mark.parametrize("text,why,template_start", [
    ("não devo isso", "contesta o débito", "Entendi: você não reconhece esse débito"),
    ("já paguei", "contesta o débito", "Entendi: você não reconhece esse débito"),
    ("também tenho uma conta do hospital que não tá aqui", "outras pendências", "Entendi que há outras pendências"),
])
def test_a_case_for_the_supervisor_carries_the_titles_and_the_offer(wa, rt, client, text, why, template_start):
    from bot.engine import attendants as handoff
    _to_offer(wa)
    wa.say(ROBERTO, "em 5x")  # the offer on the table when the person raises the case
    number = _conversation(rt).data["protocol"]
    [reply] = wa.say(ROBERTO, text)
    assert reply.startswith(template_start) and f"Seu protocolo é *{number}*." in reply
    conversation = _conversation(rt)
    assert conversation.handoff == "waiting" and why in conversation.handoff_reason
    assert "títulos 002; proposta entrada R$ 237,25 + 5x R$ 237,20 (total R$ 1.423,25)" in conversation.handoff_reason
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == number)).one()
        case = protocol.details["negotiation_case"]
        note = protocol.events[-1].note
        assert protocol.status == "encaminhado"
    assert case["message"] == text
    assert [(t["code"], t["competence"], t["days_overdue"], t["amount"]) for t in case["titles"]] == [
        ("002", "2026-05-01", 180, "707.40"), ("002", "2026-06-01", 150, "700.85")]
    assert case["offer"] == {"kind": "installments", "total": "1423.25", "due": "2026-11-25", "n": 5,
                             "entrada": "237.25", "installment": "237.20"}
    assert why in note and repr(text) in note
    assert ("Títulos: 002 Contribuição Plano Especial competência 05/2026, 180 dias em atraso, R$ 707,40; "
            "002 Contribuição Plano Especial competência 06/2026, 150 dias em atraso, R$ 700,85. "
            "Proposta na mesa: entrada R$ 237,25 + 5x R$ 237,20 (total R$ 1.423,25), venc. 25/11/2026.") in note
    # the attendant sees it in the queue: the case with its context, and the transcript
    with transaction(rt.sessions) as s:
        token = handoff.create_attendant(s, "Ana")
    listing = client.get("/api/attendant/conversations", headers={"Authorization": f"Bearer {token}"}).get_json()
    [entry] = [c for c in listing["conversations"] if c["address"] == ROBERTO]
    [open_case] = entry["open_cases"]
    assert open_case["protocol"] == number and open_case["details"]["negotiation_case"] == case
    assert any("5x de R$ 237,20" in (m["text"] or "") for m in entry["transcript"])

