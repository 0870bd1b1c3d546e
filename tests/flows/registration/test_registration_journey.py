"""Atualização cadastral through the signed webhook: phone applied at once, address
sent to review with its proof, the file asked for by name."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Beneficiary, BeneficiaryPhone, CaseDocument, DocumentCase, Protocol
from tests.conftest import MARIA
from tests.media_support import send_files
from tests.services.attachments.samples import image_bytes, pdf_bytes


def _maria(rt) -> Beneficiary:
    with transaction(rt.sessions) as s:
        row = s.scalars(select(Beneficiary).where(Beneficiary.cpf.startswith("116"))).one()
        s.expunge(row)
        return row


def _identify(wa, first: str) -> list[str]:
    reply = wa.say(MARIA, first)
    assert "Protocolo de atendimento (atualização cadastral)" in reply[0]
    return wa.say(MARIA, "116")


def test_a_new_phone_is_validated_read_back_and_applied_at_once(wa, rt):
    reply = _identify(wa, "mudei de telefone")
    assert "novo telefone" in reply[-1]
    assert "não parece válido" in wa.say(MARIA, "123")[0]
    reply = wa.say(MARIA, "(67) 98888-1234")[0]
    assert "Telefone*: (67) 98888-1234" in reply and "sim" in reply
    reply = wa.say(MARIA, "sim")[0]
    assert "Atualizei seu telefone" in reply and "Cadastro atualizado" in reply
    maria = _maria(rt)
    assert maria.phones[0] == "+5567988881234"
    with transaction(rt.sessions) as s:
        assert s.get(BeneficiaryPhone, ("+5567988881234", maria.id)) is not None
        protocol = s.scalars(select(Protocol).order_by(Protocol.id.desc())).first()
        assert protocol.status == "concluido"
        assert s.scalars(select(DocumentCase)).first() is None


def test_several_changes_named_in_the_menu_answer_are_collected_in_order(wa, rt):
    _identify(wa, "atualizar cadastro")
    assert "1 e 2" in wa.twilio.bodies_to(MARIA)[-1]
    assert "novo telefone" in wa.say(MARIA, "3 e 2")[0]  # asked in the journey's order: phone first
    assert "novo e-mail" in wa.say(MARIA, "67 98888 1234")[0]
    assert "não parece válido" in wa.say(MARIA, "maria@")[0]
    reply = wa.say(MARIA, "Maria.Nova@Example.com")[0]
    assert "maria.nova@example.com" in reply.lower() and "(67) 98888-1234" in reply
    wa.say(MARIA, "sim")
    assert _maria(rt).email.lower() == "maria.nova@example.com"


def test_an_address_change_waits_for_the_proof_and_goes_to_review_with_a_deadline(wa, rt, files_dir):
    reply = _identify(wa, "quero atualizar meu endereço")
    assert "CEP" in reply[-1]
    assert "8 números" in wa.say(MARIA, "7900")[0]
    wa.say(MARIA, "79002-000")
    assert "Faltou alguma parte" in wa.say(MARIA, "Rua das Flores")[0]
    reply = wa.say(MARIA, "Rua das Flores, 123, apto 4, Centro, Campo Grande/MS")[0]
    assert "Rua das Flores, 123, apto 4, Centro, Campo Grande/MS, CEP 79002-000" in reply
    reply = wa.say(MARIA, "sim")[0]
    assert "comprovante de endereço" in reply and "90 dias" in reply
    reply = send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])[0]
    assert "Recebi o arquivo do *comprovante de endereço*" in reply
    # 24/11/2026 + 5 business days (no holiday in MS between them) = 01/12/2026
    assert "análise" in reply and "01/12/2026" in reply
    with transaction(rt.sessions) as s:
        case = s.scalars(select(DocumentCase)).one()
        assert case.status == "in_review" and case.changes[0]["type"] == "address"
        doc = s.scalars(select(CaseDocument)).one()
        assert doc.item == "comprovante_endereco" and doc.status == "pending"
        assert s.scalars(select(Protocol).where(Protocol.number == case.protocol)).one().status == "encaminhado"
    assert _maria(rt).address.get("street") != "Rua das Flores"  # not before the review


def test_a_name_and_an_address_ask_which_document_a_file_is(wa, rt, files_dir):
    _identify(wa, "atualizar cadastro")
    wa.say(MARIA, "1 e 4")
    wa.say(MARIA, "79002000")
    wa.say(MARIA, "Rua das Flores, 123, Centro, Campo Grande/MS")
    wa.say(MARIA, "Maria Aparecida da Silva Souza")
    wa.say(MARIA, "sim")
    reply = send_files(wa, MARIA, [image_bytes()])[0]
    assert "Esse arquivo é o comprovante de endereço ou a certidão de casamento ou averbação?" in reply
    reply = wa.say(MARIA, "certidão")[0]
    assert "Recebi o arquivo da *certidão de casamento ou averbação*" in reply
    assert "Ainda falta" in reply and "comprovante de endereço" in reply
    reply = send_files(wa, MARIA, [image_bytes(seed=3)], text="comprovante")[0]
    assert "em análise" in reply or "análise" in reply


def test_the_registry_down_at_confirmation_keeps_the_question_and_sim_again_applies(wa, rt, monkeypatch):
    from bot.registry.base import RegistryUnavailable
    from bot.registry.embedded import EmbeddedRegistry

    _identify(wa, "trocar e-mail")
    wa.say(MARIA, "maria.nova@example.com")
    original = EmbeddedRegistry.update_registration

    def down(self, *args, **kwargs):
        raise RegistryUnavailable("PATCH /beneficiaries/B001: HTTP 503")

    monkeypatch.setattr(EmbeddedRegistry, "update_registration", down)
    assert "não respondeu agora" in wa.say(MARIA, "sim")[0]
    monkeypatch.setattr(EmbeddedRegistry, "update_registration", original)
    assert "Atualizei seu e-mail" in wa.say(MARIA, "sim")[0]
    assert _maria(rt).email == "maria.nova@example.com"
