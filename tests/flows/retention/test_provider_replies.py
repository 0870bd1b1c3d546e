"""A provider's messages land in its open case, never in a beneficiary journey; a dentist
who is also a beneficiary chooses; the bot acknowledges, suggests a reason, asks about the
configured action and hands the case to the retention team."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Conversation, Protocol, RetentionCase

from .support import CLINIC_PHONE, open_case, sweep

FERNANDA = "+5567999990003"  # beneficiary B020 and dentist D003


def _case(rt, case_id):
    with transaction(rt.sessions) as s:
        case = s.get(RetentionCase, case_id)
        s.expunge(case)
        return case


def test_a_provider_asking_for_a_bill_stays_in_its_case(client, rt, wa):
    case_id = open_case(client, rt)
    replies = wa.say(CLINIC_PHONE, "quero a segunda via do boleto")
    text = "\n".join(replies)
    assert "processo de descredenciamento" in text and "Protocolo de atendimento" not in text
    with transaction(rt.sessions) as s:
        journeys = {p.journey for p in s.scalars(select(Protocol))}
        assert "segunda_via" not in journeys
        conversation = s.scalars(select(Conversation).where(Conversation.address == CLINIC_PHONE)).one()
        assert conversation.flow == "retencao" and conversation.beneficiary_ref is None
    assert _case(rt, case_id).status == "replied"


def test_the_reply_is_read_offered_the_partial_areas_and_handed_over(client, rt, wa):
    case_id = open_case(client, rt)
    sweep(rt)
    [ack] = wa.say(CLINIC_PHONE, "Olá É q estamos com agenda lotada No momento")
    assert "Carteira de Clientes Particular" in ack
    assert "apenas as áreas que ainda atende" in ack and "Ortodontia" in ack
    handed = "\n".join(wa.say(CLINIC_PHONE, "sim, pode ser"))
    assert "equipe de retenção" in handed
    case = _case(rt, case_id)
    assert case.actions == ["divulgacao"] and case.suggested_reason == "carteira_particular"
    with transaction(rt.sessions) as s:
        conversation = s.scalars(select(Conversation).where(Conversation.address == CLINIC_PHONE)).one()
        assert conversation.handoff == "waiting" and "retenção SAD174619567741" in conversation.handoff_reason


def test_a_clinic_without_an_open_case_is_just_a_person(client, rt, wa):
    [reply] = wa.say(CLINIC_PHONE, "oi")
    assert "descredenciamento" not in reply


def test_a_dentist_who_is_also_a_beneficiary_chooses(client, rt, wa):
    open_case(client, rt, protocol="SAD-FERNANDA", cro="10455", dentist_name="Fernanda Lima Souza",
              cnpj=None, cpf="60526809701", kind="F", provider_ref="D003", areas=["ortodontia"])
    [question] = wa.say(FERNANDA, "oi, preciso da 2a via do boleto")
    assert "1. O descredenciamento da clínica" in question and "2. O meu plano" in question
    menu = "\n".join(wa.say(FERNANDA, "2"))
    assert "2ª via de boleto" in menu
    boleto = "\n".join(wa.say(FERNANDA, "2a via do boleto"))
    assert "Protocolo de atendimento (2ª via de boleto)" in boleto


def test_the_dentist_beneficiary_picking_the_case_is_heard_there(client, rt, wa):
    case_id = open_case(client, rt, protocol="SAD-FERNANDA2", cro="10455",
                        dentist_name="Fernanda Lima Souza", cnpj=None, cpf="60526809701",
                        kind="F", provider_ref="D003", areas=["ortodontia"])
    wa.say(FERNANDA, "vou me aposentar no fim do ano")
    [ack] = wa.say(FERNANDA, "1")
    assert "Aposentou" in ack
    assert _case(rt, case_id).suggested_reason == "aposentou"
