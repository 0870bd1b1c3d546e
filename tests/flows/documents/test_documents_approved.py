"""A maioridade or troca de titularidade case approved through the review API is written
to the registry (the embedded tables change), once: the same case applied again changes
nothing; the person is told what changed."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.engine import attendants as handoff
from bot.flows.cases import apply
from bot.platform import clock
from storage.db import transaction
from storage.models import Beneficiary, DocumentCase, Protocol, RegContractChange
from tests.conftest import MARIA, drain
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes, pdf_bytes


def _approve_all(wa, rt, client) -> tuple[dict, list[str]]:
    """Every document of the case in review approved; (the case, what the person was told)."""
    with transaction(rt.sessions) as s:
        auth = {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}
    case_id = client.get("/api/attendant/cases", headers=auth).get_json()["cases"][0]["id"]
    docs = client.get(f"/api/attendant/cases/{case_id}", headers=auth).get_json()["documents"]
    before = len(wa.twilio.bodies_to(MARIA))
    for doc in docs:
        answer = client.post(f"/api/attendant/cases/{case_id}/documents/{doc['id']}",
                             headers=auth, json={"decision": "approve"})
        assert answer.status_code == 200
    assert answer.get_json()["status"] == "applied"
    # a double click on the last approval: the case is no longer in review
    again = client.post(f"/api/attendant/cases/{case_id}/documents/{docs[-1]['id']}",
                        headers=auth, json={"decision": "approve"})
    assert again.status_code == 409
    drain(rt)
    return answer.get_json(), wa.twilio.bodies_to(MARIA)[before:]


def _apply_again(rt) -> None:
    """The apply re-run a day later (a job run again): the same key, nothing new."""
    clock.freeze(clock.now() + timedelta(days=1))
    with transaction(rt.sessions) as s:
        apply.apply_case(s, rt, s.scalars(select(DocumentCase)).one())


def _beneficiary(rt, ref: str) -> Beneficiary:
    with transaction(rt.sessions) as s:
        row = s.scalars(select(Beneficiary).where(Beneficiary.ref == ref)).one()
        s.expunge(row)
        return row


def _snapshot(rt) -> list[tuple]:
    with transaction(rt.sessions) as s:
        rows = s.scalars(select(Beneficiary).order_by(Beneficiary.id))
        beneficiaries = [(b.ref, b.holder_ref, b.status, b.status_since, b.student_until) for b in rows]
        return beneficiaries + [("changes", s.scalar(select(func.count()).select_from(RegContractChange)))]


def test_an_approved_maioridade_keeps_the_dependent_as_a_student_until_a_date(wa, rt, client, files_dir):
    wa.say(MARIA, "meu filho fez 18 anos")
    wa.say(MARIA, "116")
    wa.say(MARIA, "João")
    for caption, seed in (("RG", 1), ("CPF", 2), ("matrícula", 3)):
        send_files(wa, MARIA, [image_bytes(seed=seed)], text=caption)
    assert "análise" in send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"],
                                   text="frequência")[0]
    assert _beneficiary(rt, "B002").student_until is None
    case, told = _approve_all(wa, rt, client)
    # six months after the approval (config/documents/maioridade.yaml); João is far from 24
    assert _beneficiary(rt, "B002").student_until.isoformat() == "2027-05-24"
    assert len(told) == 1 and "aprovados" in told[0]
    assert "João continua no plano como dependente estudante até *24/05/2027*" in told[0]
    with transaction(rt.sessions) as s:
        protocol = s.scalars(select(Protocol).where(Protocol.number == case["protocol"])).one()
        assert protocol.status == "concluido" and "24/05/2027" in protocol.events[-1].note
        change = s.scalars(select(RegContractChange)).one()
        assert change.idempotency_key == f"{case['protocol']}:review"
    before = _snapshot(rt)
    _apply_again(rt)
    assert _snapshot(rt) == before


def test_an_approved_troca_after_the_holders_death_passes_the_contract(wa, rt, client, files_dir):
    wa.say(MARIA, "troca de titularidade")
    wa.say(MARIA, "116")
    wa.say(MARIA, "sim")
    wa.say(MARIA, "Carlos Eduardo da Silva")
    reply = wa.say(MARIA, "529.982.247-25")
    assert "certidão de óbito" in reply[-1]
    for caption, seed in (("RG do novo titular", 1), ("CPF do novo titular", 2),
                          ("certidão de óbito", 3), ("endereço", 4), ("formulário", 5)):
        reply = send_files(wa, MARIA, [image_bytes(seed=seed)], text=caption)[0]
    assert "análise" in reply
    case, told = _approve_all(wa, rt, client)
    with transaction(rt.sessions) as s:
        new = s.scalars(select(Beneficiary).where(Beneficiary.cpf == "52998224725")).one()
        assert (new.name, new.holder_ref, new.status) == ("Carlos Eduardo da Silva", None, "active")
        dependents = s.scalars(select(Beneficiary.ref).where(Beneficiary.holder_ref == new.ref)
                               .order_by(Beneficiary.id)).all()
        assert dependents == ["B002", "B003"]
    maria = _beneficiary(rt, "B001")
    assert (maria.status, maria.status_since.isoformat()) == ("deceased", "2026-11-24")
    assert len(told) == 1 and "o titular do plano é *Carlos Eduardo da Silva*" in told[0]
    before = _snapshot(rt)
    _apply_again(rt)
    assert _snapshot(rt) == before


def test_a_troca_the_registry_refuses_leaves_the_last_approval_undone(wa, rt, client, files_dir):
    wa.say(MARIA, "troca de titularidade")
    wa.say(MARIA, "116")
    wa.say(MARIA, "não")
    wa.say(MARIA, "José Carlos Pereira")  # holder of another contract in the registry
    wa.say(MARIA, "682.258.073-59")
    for caption, seed in (("RG do novo titular", 1), ("CPF do novo titular", 2),
                          ("endereço", 3), ("formulário", 4)):
        send_files(wa, MARIA, [image_bytes(seed=seed)], text=caption)
    with transaction(rt.sessions) as s:
        auth = {"Authorization": f"Bearer {handoff.create_attendant(s, 'Ana')}"}
    case_id = client.get("/api/attendant/cases", headers=auth).get_json()["cases"][0]["id"]
    docs = client.get(f"/api/attendant/cases/{case_id}", headers=auth).get_json()["documents"]
    answers = [client.post(f"/api/attendant/cases/{case_id}/documents/{d['id']}", headers=auth,
                           json={"decision": "approve"}) for d in docs]
    assert [a.status_code for a in answers] == [200, 200, 200, 409]
    assert answers[-1].get_json() == {"error": "registry_refused"}
    case = client.get(f"/api/attendant/cases/{case_id}", headers=auth).get_json()
    assert case["status"] == "in_review" and case["documents"][-1]["status"] == "pending"
    assert _beneficiary(rt, "B001").status == "active"
