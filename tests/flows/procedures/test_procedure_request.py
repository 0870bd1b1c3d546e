"""A procedure request in chat: protocol first, identity, who it is for, the medical
request as a file, the doctor's council registration, the procedure — and the operator's
answer: audit with a dated deadline, authorized at once, or denied with reason and clause."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.flows.procedures.registration import register_pending
from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.registry.embedded import EmbeddedRegistry
from storage.db import transaction
from storage.models import Beneficiary, Guide, GuideTracking, ProcedureRequest
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes as document_photo_bytes

from ...conftest import MARIA, drain
from ..support import identified, protocol_in, protocol_row


def _until_procedure(wa, first="preciso autorizar um exame", patient="1"):
    replies = identified(wa, MARIA, first)
    number = protocol_in(replies)
    assert "Protocolo de atendimento (autorização de procedimento)" in replies[0]
    assert "Para quem é o procedimento?" in replies[-1] and "João Pedro" in replies[-1]
    replies = wa.say(MARIA, patient)
    assert "envie uma *foto* ou o *PDF* do pedido médico" in replies[-1]
    replies = send_files(wa, MARIA, [document_photo_bytes()])
    assert "não consigo ver imagens" not in replies[-1]
    assert "Recebi o pedido médico" in replies[-1]
    return number


def test_high_complexity_goes_to_audit_with_the_answer_deadline_as_a_date(wa, rt):
    number = _until_procedure(wa)
    replies = wa.say(MARIA, "Dra. Helena Kato, CRM 12345/MS")
    assert "Qual o *procedimento*" in replies[-1]
    replies = wa.say(MARIA, "ressonância de joelho")
    text = replies[-1]
    assert "passará por *auditoria*" in text
    assert f"Protocolo: *{number}*" in text
    # Tue 24/11/2026 + 10 business days (high complexity, RN 623) = 08/12/2026
    assert "Prazo de resposta: até *08/12/2026*" in text
    with transaction(rt.sessions) as s:
        request = s.scalars(select(ProcedureRequest)).one()
        assert request.files[0]["content_type"] == "image/jpeg"
        assert request.doctor == {"name": "Dra. Helena Kato", "council": "CRM", "number": "12345", "uf": "MS"}
        assert request.procedure_code == "41101170" and request.patient_ref == "B001"
        tracking = s.get(GuideTracking, request.guide_number)
        assert tracking.deadline == date(2026, 12, 8) and tracking.status == "em_analise"
    assert protocol_row(rt, number).status == "aberto"


def test_no_audit_authorized_with_guide_number_and_validity_for_a_dependent(wa, rt):
    number = _until_procedure(wa, first="preciso autorizar um hemograma", patient="2")
    replies = wa.say(MARIA, "Dr. Paulo Nunes CRM-MS 4321")
    text = replies[-1]  # the procedure was already named: no question about it
    assert "*Hemograma completo* foi *autorizado*" in text
    assert "Validade da guia: até *24/12/2026*" in text
    with transaction(rt.sessions) as s:
        guide = s.scalars(select(Guide).where(Guide.request_key == number)).one()
        assert guide.status == "autorizada"
        assert s.get(Beneficiary, guide.beneficiary_id).ref == "B002"
        assert f"Guia: *{guide.number}*" in text
    assert protocol_row(rt, number).status == "concluido"


def test_no_audit_denied_with_reason_and_contract_clause_in_writing(wa, rt):
    number = _until_procedure(wa, first="quero autorizar exame")
    wa.say(MARIA, "Dra. Helena Kato CRM 12345/MS")
    text = wa.say(MARIA, "glicemia de jejum")[-1]
    assert "foi *negada*" in text and f"Protocolo: *{number}*" in text
    assert "Motivo: Exame já autorizado para este beneficiário nos últimos 30 dias" in text
    assert "Fundamento no contrato: Cláusula Oitava, item 8.3" in text
    assert protocol_row(rt, number).status == "concluido"


def test_a_name_that_is_not_a_dependent_is_refused_and_the_question_stands(wa, rt):
    identified(wa, MARIA, "autorizar exame")
    replies = wa.say(MARIA, "Carlos Eduardo")
    assert "Só posso pedir autorizações para você e para os dependentes" in replies[-1]
    replies = wa.say(MARIA, "Ana Clara")
    assert "o pedido é para Ana" in replies[-1]


def test_unknown_procedure_text_is_kept_and_goes_to_audit(wa, rt):
    _until_procedure(wa)
    wa.say(MARIA, "Dra. Helena Kato CRM 12345/MS")
    text = wa.say(MARIA, "cintilografia óssea")[-1]
    assert "*cintilografia óssea*" in text and "auditoria" in text
    # default category (5 business days): 01/12/2026
    assert "até *01/12/2026*" in text


def test_bad_council_registration_asks_again_with_the_format(wa, rt):
    _until_procedure(wa)
    replies = wa.say(MARIA, "Dra. Helena, CRM 12345")  # no UF
    assert "Não encontrei o registro no conselho com a UF" in replies[-1]
    replies = wa.say(MARIA, "CRM 12345/XX")
    assert "Não encontrei o registro" in replies[-1]


def test_operator_down_keeps_the_request_and_registers_it_when_back(wa, rt, monkeypatch):
    number = _until_procedure(wa)
    wa.say(MARIA, "Dra. Helena Kato CRM 12345/MS")

    def down(self, request, idempotency_key):
        raise RegistryUnavailable("POST /procedure-requests: HTTP 503")

    original = EmbeddedRegistry.request_procedure
    monkeypatch.setattr(EmbeddedRegistry, "request_procedure", down)
    text = wa.say(MARIA, "ressonância de joelho")[-1]
    assert "sistema do plano está fora do ar" in text and number in text
    assert register_pending(rt) == 0
    monkeypatch.setattr(EmbeddedRegistry, "request_procedure", original)
    before = len(wa.twilio.bodies_to(MARIA))
    assert register_pending(rt) == 1
    assert register_pending(rt) == 0  # told once
    drain(rt)
    later = wa.twilio.bodies_to(MARIA)[before:]
    assert len(later) == 1 and "O sistema do plano voltou" in later[0]
    assert "Prazo de resposta: até *08/12/2026*" in later[0]
    with transaction(rt.sessions) as s:
        request = s.scalars(select(ProcedureRequest)).one()
        assert request.status == "registered" and request.attempts == 3  # the turn, the sweep still down, back


def test_deadline_spanning_a_state_and_a_national_holiday(wa, rt):
    # Fri 08/10/2027: Mon 11/10 is Mato Grosso do Sul's creation day (state holiday) and
    # Tue 12/10 Nossa Senhora Aparecida (national): 5 business days end on Tue 19/10.
    clock.freeze(datetime(2027, 10, 8, 13, 0))
    _until_procedure(wa)
    wa.say(MARIA, "Dra. Helena Kato CRM 12345/MS")
    text = wa.say(MARIA, "cintilografia óssea")[-1]
    assert "Prazo de resposta: até *19/10/2027*" in text
