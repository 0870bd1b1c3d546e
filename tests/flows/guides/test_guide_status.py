"""The person's guides with status, procedure, date and deadline; one chosen → detail;
a guide of somebody else never shown."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Beneficiary, Guide
from tests.media_support import send_files
from tests.services.attachments.samples import pdf_bytes

from ...conftest import JOSE, MARIA
from ..support import identified


def test_single_guide_is_shown_in_detail_with_its_deadline(wa):
    replies = identified(wa, MARIA, "saiu a autorização?")
    assert "Protocolo de atendimento (status de guia)" in replies[0]
    text = replies[-1]
    assert "Guia *G2026000123*" in text and "Ultrassonografia de abdome total" in text
    assert "Situação: *em análise*" in text and "Prazo de resposta: até *27/11/2026*" in text


def test_list_then_detail_of_the_chosen_guide(wa, rt):
    wa.say(MARIA, "autorizar exame")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])
    wa.say(MARIA, "Dr. Paulo Nunes CRM 4321/MS")
    wa.say(MARIA, "hemograma")
    replies = wa.say(MARIA, "status da guia")
    text = replies[-1]
    assert "Suas guias:" in text and "Hemograma completo — *autorizada*" in text
    assert "Ultrassonografia de abdome total — *em análise*" in text
    assert "resposta até 27/11/2026" in text
    replies = wa.say(MARIA, "2")
    assert "Guia *G2026000123*" in replies[-1]


def test_a_guide_number_of_another_beneficiary_is_never_shown(wa, rt):
    wa.say(MARIA, "autorizar exame")
    wa.say(MARIA, "116")
    wa.say(MARIA, "1")
    send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])
    wa.say(MARIA, "Dr. Paulo Nunes CRM 4321/MS")
    wa.say(MARIA, "hemograma")
    # José's own guide, which Maria tries to open by number
    with transaction(rt.sessions) as s:
        jose = s.scalars(select(Beneficiary.id).where(Beneficiary.ref == "B010")).one()
        s.add(Guide(number="G2026999999", beneficiary_id=jose, procedure_code="40304361",
                    procedure_name="Hemograma completo", status="negada", reason="segredo",
                    requested_at=rt.registry.bind(s).guides("B001")[0].requested_at))
    replies = wa.say(MARIA, "status da guia")
    assert "G2026999999" not in replies[-1]
    replies = wa.say(MARIA, "G2026999999")
    assert "Essa guia não está entre as suas" in replies[-1]
    assert not any("segredo" in r for r in wa.twilio.bodies_to(MARIA))


def test_nobody_with_guides_is_told_so(wa):
    replies = wa.say(JOSE, "status da guia")
    replies += wa.say(JOSE, "682")
    assert "Não encontrei guias de autorização" in replies[-1]
