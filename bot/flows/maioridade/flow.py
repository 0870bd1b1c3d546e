"""Maioridade: a dependent coming of age stays in the plan as a student. Protocol first →
identity → which dependent → the checklist of config/documents/maioridade.yaml collected
over as many messages and days as it takes → the case into review."""
from __future__ import annotations

from bot.engine import FirstWords, Flow, Turn
from bot.flows.cases import checklist, collect, records
from bot.language import choices
from bot.language.text import normalize

flow = Flow(
    "maioridade", journey="maioridade", needs_identity=True,
    intents=["maioridade", "meu filho fez 18 anos", "minha filha fez 18 anos",
             "dependente fez 18 anos", "dependente maior de idade", "manter dependente universitario",
             "dependente universitario"],
    first_words=FirstWords(10, phrases=("maioridade", "idade limite", "limite de idade", "fez 18",
                                        "fez 21", "fazer 18", "fazer 24", "fizer 18",
                                        "completou 18", "completou 24", "ate que idade",
                                        "ate 24 anos")),
)
flow.hook("on_leave")(collect.on_leave)
KIND = "maioridade"


@flow.on_entry
def _start(turn: Turn) -> None:
    b = turn.beneficiary
    if not b.is_holder:  # the dependent asking for themselves
        _open(turn, b.ref, b.name)
        return
    dependents = turn.registry.dependents(b.ref)
    if not dependents:
        turn.say("maioridade/no_dependents")
        turn.close_protocol("concluido", "titular sem dependentes")
        turn.end()
        return
    if len(dependents) == 1:
        _open(turn, dependents[0].ref, dependents[0].name)
        return
    turn.remember(dependents=[{"ref": d.ref, "name": d.name} for d in dependents])
    turn.say("maioridade/which_dependent", dependents=turn.data["dependents"])
    turn.goto("dependent")


@flow.state("dependent")
def _dependent(turn: Turn) -> None:
    options = turn.data["dependents"]
    index = choices.single(turn.choice, len(options))
    picked = options[index - 1] if index and 1 <= index <= len(options) else None
    if picked is None:
        norm = normalize(turn.text)
        hits = [d for d in options if norm and normalize(d["name"]).split()[0] in norm.split()]
        picked = hits[0] if len(hits) == 1 else None
    if picked is None:
        turn.retry("maioridade/which_dependent", dependents=options)
        return
    _open(turn, picked["ref"], picked["name"])


def _open(turn: Turn, ref: str, name: str) -> None:
    items = [i.as_dict() for i in checklist.checklist_of(turn.runtime, KIND).items]
    case = records.open_case(turn.session, protocol=turn.data["protocol"], kind=KIND,
                             beneficiary_ref=ref, conversation_id=turn.conversation.id,
                             changes=[{"type": "maioridade", "value": {"dependent": name}}],
                             items=items)
    turn.remember(case_id=case.id)
    turn.say("maioridade/intro", name=name.split()[0].title())
    collect.ask_missing(turn, case, first=True)
    turn.goto("documents")


collect.add_document_states(flow)


def resume_for_documents(conversation, case) -> None:
    """Entry point: the conversation waits for this case's documents again."""
    collect.wait_for_documents(flow, conversation, case)
