"""Troca de titularidade: protocol first → identity → is the current holder alive → the
new holder's name and CPF → the plan's standard form sent pre-filled as a PDF → the
checklist of config/documents/troca_titularidade.yaml (the death certificate only when
it applies, the form back signed) collected over messages and days → review."""
from __future__ import annotations

from validate_docbr import CPF

from bot.engine import FirstWords, Flow, Turn
from bot.flows.cases import checklist, collect, records
from bot.language import intents
from bot.language.text import normalize

flow = Flow(
    "troca_titularidade", journey="troca_titularidade", needs_identity=True,
    intents=["troca de titularidade", "trocar o titular", "mudar o titular do plano",
             "transferir titularidade", "titular faleceu", "passar o plano para meu nome"],
    first_words=FirstWords(20, phrases=("titularidade", "trocar titular", "troca de titular",
                                        "mudar o titular", "ser a titular", "ser o titular",
                                        "passar o plano", "passo o plano", "transferir plano",
                                        "titular do plano", "era a titular", "era o titular",
                                        "nome do meu ex", "plano no nome")),
)
flow.hook("on_leave")(collect.on_leave)
KIND = "troca_titularidade"
FORM_FILE = "formulario-troca-titularidade.pdf"


def _mask(cpf: str) -> str:
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


@flow.on_entry
def _start(turn: Turn) -> None:
    turn.say("troca_titularidade/deceased")
    turn.goto("deceased")


@flow.state("deceased")
def _deceased(turn: Turn) -> None:
    answer = intents.yes_no(turn.choice)
    if answer is None:
        turn.retry("troca_titularidade/deceased")
        return
    turn.remember(holder_deceased=answer)
    turn.say("troca_titularidade/ask_name")
    turn.goto("new_holder_name")


@flow.state("new_holder_name")
def _name(turn: Turn) -> None:
    name = " ".join(turn.text.split())
    if len(name.split()) < 2 or not all(w.replace("'", "").isalpha() for w in name.split()):
        turn.retry("troca_titularidade/ask_name", invalid=True)
        return
    turn.remember(new_holder=name)
    turn.say("troca_titularidade/ask_cpf", name=name.split()[0].title())
    turn.goto("new_holder_cpf")


@flow.state("new_holder_cpf")
def _cpf(turn: Turn) -> None:
    digits = "".join(ch for ch in normalize(turn.text) if ch.isdigit())
    if len(digits) != 11 or not CPF().validate(digits):
        turn.retry("troca_titularidade/ask_cpf", invalid=True,
                   name=turn.data["new_holder"].split()[0].title())
        return
    _open(turn, digits)


def _holder(turn: Turn):
    b = turn.beneficiary
    return b if b.is_holder else (turn.registry.beneficiary(b.holder_ref) or b)


def _open(turn: Turn, new_cpf: str) -> None:
    holder = _holder(turn)
    deceased = turn.data["holder_deceased"]
    form = {"plan": holder.plan, "card_number": holder.card_number,
            "current_holder": holder.name, "current_holder_cpf": _mask(holder.cpf),
            "new_holder": turn.data["new_holder"], "new_holder_cpf": _format_cpf(new_cpf),
            "holder_deceased": deceased, "issued_on": f"{turn.today:%d/%m/%Y}"}
    items = [i.as_dict() for i in checklist.checklist_of(turn.runtime, KIND)
             .for_answers({"holder_deceased": deceased})]
    case = records.open_case(turn.session, protocol=turn.data["protocol"], kind=KIND,
                             beneficiary_ref=holder.ref, conversation_id=turn.conversation.id,
                             changes=[{"type": "troca_titularidade", "value": form}], items=items)
    turn.remember(case_id=case.id)
    turn.say_media("troca_titularidade/form", media=[
        {"kind": "holder_change_form", "ref": case.protocol, "filename": FORM_FILE}],
        deceased=deceased)
    collect.ask_missing(turn, case, first=True)
    turn.goto("documents")


def _format_cpf(d: str) -> str:
    return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"


collect.add_document_states(flow)


def resume_for_documents(conversation, case) -> None:
    """Entry point: the conversation waits for this case's documents again."""
    collect.wait_for_documents(flow, conversation, case)
