"""Solicitação de procedimento: protocol → identity → which beneficiary (the titular or
one of their dependents) → the medical request (photo or PDF) → the requesting
professional (name, CRM/CRO and UF) → the procedure (TUSS code or name) → registered
with the operator. In audit: the protocol and the answer deadline as a date; at once:
authorized (guide number, validity) or denied (reason and contract clause, in writing).
The operator's API down: the request is kept and registered when it is back."""
from __future__ import annotations

from bot.engine import FirstWords, Flow, MenuEntry, Turn
from bot.flows.procedures import files, registration, rules
from bot.language import choices
from bot.language.text import normalize
from bot.platform import clock
from bot.registry.base import RegistryUnavailable
from bot.services import protocols
from storage.models import ProcedureRequest

flow = Flow(
    "procedimento", journey="procedimento", needs_identity=True,
    menu=MenuEntry(5, "Autorização de exame ou procedimento"),
    intents=["autorizar exame", "autorizar procedimento", "autorizacao de procedimento",
             "autorizacao de exame", "autorizacao de cirurgia", "autorizar cirurgia",
             "preciso autorizar", "preciso de autorizacao", "pedido de exame", "pedido medico",
             "liberar exame", "liberar guia", "liberacao de exame", "solicitar autorizacao",
             "autorizacao de internacao", "autorizar uma ressonancia", "pedir autorizacao",
             "pedir liberacao", "autorizacao previa", "precisa de autorizacao", "como autorizo",
             "pedido do meu medico", "autorizacao para", "preciso liberar", "liberar uma guia"],
    first_words=FirstWords(60, phrases=("autorizacao", "autorizar", "autorizo", "liberacao",
                                        "liberar", "pedido medico", "pedido do meu medico",
                                        "pedido do medico")),
)


# -- who the procedure is for ---------------------------------------------------------
@flow.on_entry
def start(turn: Turn) -> None:
    entry = turn.data.get("entry_text") or ""
    code, _ = rules.recognise(entry)
    if code and rules.by_code(code):  # "preciso autorizar uma ressonância de joelho"
        turn.remember(procedure_code=code, procedure_text=rules.by_code(code).name)
    try:
        people = _people(turn)
    except RegistryUnavailable:
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        return turn.end()
    if len(people) == 1:
        return _patient_chosen(turn, people[0])
    turn.remember(people=[{"ref": p.ref, "name": p.name} for p in people])
    turn.goto("patient")
    turn.say("procedures/ask_patient", people=people)


def _people(turn: Turn) -> list:
    me = turn.beneficiary
    return [me, *turn.registry.dependents(me.ref)] if me.is_holder else [me]


@flow.state("patient")
def patient(turn: Turn) -> None:
    people = turn.data["people"]
    number = choices.single(turn.choice, len(people))
    if number is not None and 1 <= number <= len(people):
        return _patient_chosen(turn, people[number - 1])
    said = normalize(turn.text)
    named = [p for p in people if said and said in normalize(p["name"])]
    if len(named) == 1:
        return _patient_chosen(turn, named[0])
    if said and not any(ch.isdigit() for ch in said) and len(said.split()) <= 5:
        # A name that is none of the plan's people: never registered for someone else.
        return turn.reject("procedures/not_a_dependent", people=people)
    turn.retry("procedures/ask_patient_again", people=people)


def _patient_chosen(turn: Turn, person) -> None:
    ref, name = (person["ref"], person["name"]) if isinstance(person, dict) else (person.ref, person.name)
    turn.remember(patient_ref=ref, patient_name=name)
    turn.goto("document")
    turn.say("procedures/ask_document", name=name.split()[0].title())


# -- the medical request ----------------------------------------------------------------
@flow.state("document", files=True)
def document(turn: Turn) -> None:
    accepted, other = files.documents(turn)
    if accepted:
        files.take_over_media_note(turn)
        turn.remember(files=[*turn.data.get("files", []), *accepted])
        turn.goto("doctor")
        return turn.say("procedures/ask_doctor", count=len(accepted))
    if other:
        files.take_over_media_note(turn)
        return turn.reject("procedures/document_not_readable")
    turn.retry("procedures/ask_document_again")


# -- the requesting professional -------------------------------------------------------
@flow.state("doctor", files=True)
def doctor(turn: Turn) -> None:
    accepted, _ = files.documents(turn)
    if accepted and not turn.text.strip():  # another page of the request
        files.take_over_media_note(turn)
        turn.remember(files=[*turn.data.get("files", []), *accepted])
        return turn.say("procedures/page_added", count=len(turn.data["files"]))
    council = rules.council(turn.text)
    name = rules.doctor_name(turn.text)
    if council is None or len(name.split()) < 2:
        return turn.retry("procedures/doctor_format", has_council=council is not None)
    turn.remember(doctor={"name": name, **council})
    if turn.data.get("procedure_code"):
        return _register(turn)
    turn.goto("procedure")
    turn.say("procedures/ask_procedure")


# -- the procedure -------------------------------------------------------------------------
@flow.state("procedure")
def procedure(turn: Turn) -> None:
    if len(normalize(turn.text)) < 3:
        return turn.retry("procedures/ask_procedure_again")
    code, name = rules.recognise(turn.text)
    turn.remember(procedure_code=code, procedure_text=name)
    _register(turn)


def _register(turn: Turn) -> None:
    data = turn.data
    row = ProcedureRequest(
        protocol_number=data["protocol"], conversation_id=turn.conversation.id,
        requested_by_ref=turn.conversation.beneficiary_ref, patient_ref=data["patient_ref"],
        procedure_code=data.get("procedure_code"), procedure_text=data["procedure_text"],
        doctor=data["doctor"], files=data.get("files", []), created_at=clock.now())
    turn.session.add(row)
    turn.session.flush()
    outcome = registration.register(turn.session, turn.registry, turn.settings, row)
    if outcome is None:
        protocols.set_status(turn.protocol, "aberto",
                             "sistema do plano indisponível: registro pendente, tentado de novo")
        turn.say("procedures/kept_for_later", protocol=row.protocol_number,
                 procedure=row.procedure_text)
    else:
        turn.say("procedures/outcome", **outcome)
    turn.forget("protocol")  # settled by registration (or pending, not cancelled by leaving)
    turn.end()


flow.due(registration.register_pending)
