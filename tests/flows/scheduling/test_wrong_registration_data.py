"""'Dados incorretos' noticed during scheduling: the person's own data is updated in the
registration journey (entered through its declared entry point), then going back to the
search is offered; a dependent's data or a birth date still goes to a person."""
from __future__ import annotations

from sqlalchemy import select

from storage.db import transaction
from storage.models import Beneficiary, DocumentCase, Protocol
from tests.conftest import JOSE, MARIA
from tests.media_support import send_files
from tests.scheduling_support import appointments, book, conversation_state, protocols
from tests.services.attachments.samples import pdf_bytes


def _at_confirmation(wa, phone=MARIA, cpf3="116", words="marcar cardiologia"):
    wa.say(phone, words)
    wa.say(phone, cpf3)
    if phone == MARIA:
        wa.say(phone, "1")  # the patient: herself
    return wa.say(phone, "1")[0]  # the first slot


def test_wrong_data_for_a_dependent_still_goes_to_a_person(wa, rt):
    wa.say(MARIA, "marcar dermatologista")
    wa.say(MARIA, "116")
    wa.say(MARIA, "ana")
    wa.say(MARIA, "1")
    reply = wa.say(MARIA, "dados incorretos")[0]
    assert "Para corrigir os dados cadastrais de Ana" in reply and "seus dados" not in reply
    assert conversation_state(rt)[3] == "waiting"


def test_a_wrong_birth_date_goes_to_a_person(wa, rt):
    _at_confirmation(wa, JOSE, "682", "marcar dentista")
    reply = wa.say(JOSE, "minha data de nascimento está errada")[0]
    assert "Para corrigir seus dados cadastrais" in reply
    assert conversation_state(rt, JOSE)[3] == "waiting"


def test_wrong_data_for_oneself_starts_the_registration_update_asking_what_changes(wa, rt):
    _at_confirmation(wa, JOSE, "682", "marcar dentista")
    reply = wa.say(JOSE, "dados incorretos")[0]
    assert "o horário ainda não foi reservado" in reply
    assert "Protocolo de atendimento (atualização cadastral)" in reply
    assert "O que você quer atualizar?" in reply and "CPF" not in reply  # identity kept
    flow, state, data, handoff = conversation_state(rt, JOSE)
    assert (flow, state, handoff) == ("registration", "which", None)
    assert data["next_request"]["flow"] == "agendamento"


def test_a_wrong_phone_noticed_at_the_slot_list_asks_the_new_phone_without_booking(wa, rt):
    wa.say(JOSE, "marcar dentista")
    wa.say(JOSE, "682")
    reply = wa.say(JOSE, "meu telefone está errado")[0]  # before choosing a slot
    assert "o horário ainda não foi reservado" in reply and "novo telefone" in reply
    assert appointments(rt) == []
    assert conversation_state(rt, JOSE)[:2] == ("registration", "phone")


def test_a_phone_updated_from_the_confirmation_goes_back_to_the_same_search(wa, rt):
    _at_confirmation(wa)
    [scheduling_number] = protocols(rt)
    reply = wa.say(MARIA, "não, meu telefone está errado")[0]
    assert "novo telefone" in reply  # the change the message named, asked at once
    wa.say(MARIA, "(67) 98888-1234")
    reply = wa.say(MARIA, "sim")[0]
    assert "Atualizei seu telefone" in reply
    assert "Vamos voltar ao agendamento de *Cardiologia*?" in reply
    with transaction(rt.sessions) as s:
        maria = s.scalars(select(Beneficiary).where(Beneficiary.cpf.startswith("116"))).one()
        assert maria.phones[0] == "+5567988881234"
    listing = wa.say(MARIA, "sim")[0]
    assert "Protocolo de atendimento (agendamento de consulta)" in listing
    assert "Horários livres de *Cardiologia* em Campo Grande" in listing  # no question again
    assert appointments(rt) == []
    numbers = protocols(rt)
    registration_number = next(n for n, p in numbers.items() if p[0] == "atualizacao_cadastral")
    assert numbers[scheduling_number][1] == "cancelado"
    assert numbers[registration_number][1] == "concluido"
    assert [p[0] for p in numbers.values()] == ["agendamento", "atualizacao_cadastral", "agendamento"]
    with transaction(rt.sessions) as s:
        note = s.scalars(select(Protocol).where(Protocol.number == scheduling_number)).one().events[-1].note
    assert registration_number in note


def test_no_goes_back_to_nothing_and_says_how_to_book_later(wa, rt):
    _at_confirmation(wa)
    wa.say(MARIA, "meu celular mudou")
    wa.say(MARIA, "(67) 98888-1234")
    assert "marcar consulta" in wa.say(MARIA, "sim")[0]
    wa.say(MARIA, "não")
    assert conversation_state(rt)[:2] == (None, None)
    assert appointments(rt) == []


def test_an_address_sent_to_review_offers_the_search_back_after_the_proof(wa, rt, files_dir):
    _at_confirmation(wa)
    reply = wa.say(MARIA, "preciso atualizar meu cadastro, mudei de endereço")[0]
    assert "CEP" in reply
    wa.say(MARIA, "79002-000")
    wa.say(MARIA, "Rua das Flores, 123, apto 4, Centro, Campo Grande/MS")
    assert "comprovante de endereço" in wa.say(MARIA, "sim")[0]
    reply = send_files(wa, MARIA, [pdf_bytes()], kinds=["application/pdf"])[0]
    assert "análise" in reply and "Vamos voltar ao agendamento de *Cardiologia*?" in reply
    with transaction(rt.sessions) as s:
        assert s.scalars(select(DocumentCase)).one().status == "in_review"
    assert "Horários livres de *Cardiologia*" in wa.say(MARIA, "sim")[0]


def test_later_for_the_documents_also_offers_the_search_back(wa, rt):
    _at_confirmation(wa)
    assert "O que você quer atualizar?" in wa.say(MARIA, "meus dados estão desatualizados")[0]
    assert "CEP" in wa.say(MARIA, "1")[0]  # 1. Endereço
    wa.say(MARIA, "79002-000")
    wa.say(MARIA, "Rua das Flores, 123, apto 4, Centro, Campo Grande/MS")
    wa.say(MARIA, "sim")
    reply = wa.say(MARIA, "depois eu mando")[0]
    assert "enviar documentos" in reply and "Vamos voltar ao agendamento" in reply


def test_wrong_data_while_rescheduling_goes_back_to_moving_that_appointment(wa, rt):
    book(wa)
    wa.say(MARIA, "minhas consultas")
    wa.say(MARIA, "remarcar 1")
    wa.say(MARIA, "1")  # a new slot
    reply = wa.say(MARIA, "meu telefone está errado")[0]
    assert "novo telefone" in reply
    wa.say(MARIA, "(67) 98888-1234")
    assert "Vamos voltar ao agendamento de *Cardiologia*?" in wa.say(MARIA, "sim")[0]
    listing = wa.say(MARIA, "sim")[0]
    assert "Horários livres de *Cardiologia*" in listing
    assert conversation_state(rt)[2].get("reschedule_id") == appointments(rt)[0].id
    [appointment] = appointments(rt)
    assert appointment.status == "booked"  # still the old one until a new slot is confirmed
