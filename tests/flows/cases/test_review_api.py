"""The registration team's review through the attendants' API: approved → applied and
told; rejected → told which and why, asked for only that, resent, approved."""
from __future__ import annotations

from sqlalchemy import select

from bot.engine import attendants as handoff
from storage.db import transaction
from storage.models import AttachmentView, Beneficiary, DocumentCase, OutboundMessage, Protocol
from tests.conftest import MARIA, drain
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes, pdf_bytes


def _auth(rt, name="Ana") -> dict:
    with transaction(rt.sessions) as s:
        return {"Authorization": f"Bearer {handoff.create_attendant(s, name)}"}


def _address_case(wa):
    wa.say(MARIA, "quero atualizar meu endereço")
    wa.say(MARIA, "116")
    wa.say(MARIA, "79002-000")
    wa.say(MARIA, "Rua das Flores, 123, apto 4, Centro, Campo Grande/MS")
    wa.say(MARIA, "sim")
    return send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])


def _maria_address(rt) -> dict:
    with transaction(rt.sessions) as s:
        return dict(s.scalars(select(Beneficiary).where(Beneficiary.cpf.startswith("116"))).one().address)


def test_the_queue_needs_a_token(client):
    assert client.get("/api/attendant/cases").status_code == 401
    assert client.get("/api/attendant/cases", headers={"Authorization": "Bearer x"}).status_code == 401


def test_an_approved_address_change_is_applied_and_the_person_told(wa, rt, client, files_dir):
    _address_case(wa)
    auth = _auth(rt)
    queue = client.get("/api/attendant/cases", headers=auth).get_json()["cases"]
    assert len(queue) == 1 and queue[0]["beneficiary"]["cpf"].startswith("***.")
    case = client.get(f"/api/attendant/cases/{queue[0]['id']}", headers=auth).get_json()
    doc = case["documents"][0]
    assert doc["item"] == "comprovante_endereco" and doc["status"] == "pending"
    assert doc["max_age_days"] == 90
    # the file through its authenticated link; the view is recorded
    path = doc["view_url"].removeprefix("https://bot.example.com.br")
    assert client.get(path).status_code == 401
    assert client.get(path, headers=_auth(rt, "Bruno")).status_code == 403
    opened = client.get(path, headers=auth)
    assert opened.status_code == 200 and opened.data.startswith(b"%PDF")
    assert opened.headers["Cache-Control"] == "private, no-store"
    with transaction(rt.sessions) as s:
        assert len(list(s.scalars(select(AttachmentView)))) == 1
    before = len(wa.twilio.bodies_to(MARIA))
    answer = client.post(f"/api/attendant/cases/{case['id']}/documents/{doc['id']}",
                         headers=auth, json={"decision": "approve"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "applied"
    drain(rt)
    told = wa.twilio.bodies_to(MARIA)[before:]
    assert len(told) == 1 and "aprovados" in told[0] and case["protocol"] in told[0]
    assert _maria_address(rt)["street"] == "Rua das Flores" and _maria_address(rt)["zip"] == "79002-000"
    with transaction(rt.sessions) as s:
        assert s.scalars(select(Protocol).where(Protocol.number == case["protocol"])).one().status == "concluido"
    again = client.post(f"/api/attendant/cases/{case['id']}/documents/{doc['id']}",
                        headers=auth, json={"decision": "approve"})
    assert again.status_code == 409


def test_a_rejected_proof_is_asked_for_again_with_the_reason_then_approved(wa, rt, client, files_dir):
    _address_case(wa)
    auth = _auth(rt)
    case_id = client.get("/api/attendant/cases", headers=auth).get_json()["cases"][0]["id"]
    doc = client.get(f"/api/attendant/cases/{case_id}", headers=auth).get_json()["documents"][0]
    url = f"/api/attendant/cases/{case_id}/documents/{doc['id']}"
    assert client.post(url, headers=auth, json={"decision": "reject"}).get_json()["error"] == "reason_required"
    assert client.post(url, headers=auth, json={"decision": "reject", "reason": "other"}).status_code == 400
    before = len(wa.twilio.bodies_to(MARIA))
    answer = client.post(url, headers=auth, json={"decision": "reject", "reason": "expired",
                                                    "note": "conta de junho"})
    assert answer.get_json()["status"] == "resubmit"
    drain(rt)
    told = wa.twilio.bodies_to(MARIA)[before:]
    assert len(told) == 1
    assert "*comprovante de endereço*: o documento está vencido" in told[0] and "conta de junho" in told[0]
    assert _maria_address(rt).get("street") != "Rua das Flores"
    reply = send_files(wa, MARIA, [image_bytes(seed=7)])[0]
    assert "Recebi o arquivo do *comprovante de endereço*" in reply and "análise" in reply
    case = client.get(f"/api/attendant/cases/{case_id}", headers=auth).get_json()
    assert case["status"] == "in_review"
    assert [d["status"] for d in case["documents"]] == ["rejected", "pending"]
    new = case["documents"][1]
    client.post(f"/api/attendant/cases/{case_id}/documents/{new['id']}", headers=auth,
                json={"decision": "approve"})
    drain(rt)
    assert _maria_address(rt)["street"] == "Rua das Flores"
    assert "aprovados" in wa.twilio.bodies_to(MARIA)[-1]


def test_outside_the_24_hour_window_the_status_goes_as_a_content_template(wa, rt, client, files_dir):
    import dataclasses
    from datetime import timedelta

    from bot.platform import clock

    _address_case(wa)
    rt.settings = dataclasses.replace(rt.settings, content_case_sid="HX" + "c" * 32)
    auth = _auth(rt)
    case_id = client.get("/api/attendant/cases", headers=auth).get_json()["cases"][0]["id"]
    doc = client.get(f"/api/attendant/cases/{case_id}", headers=auth).get_json()["documents"][0]
    clock.freeze(clock.now() + timedelta(days=2))
    client.post(f"/api/attendant/cases/{case_id}/documents/{doc['id']}", headers=auth,
                json={"decision": "approve"})
    drain(rt)
    with transaction(rt.sessions) as s:
        row = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
        assert row.content_sid == "HX" + "c" * 32 and row.content_variables["2"] == "aprovada"
        case = s.get(DocumentCase, case_id)
        assert row.content_variables["1"] == case.protocol
