"""Atualização cadastral: protocol first → identity → which changes (several, taken from
the message when it names them) → each new value, validated and read back → phone and
e-mail applied at once through the operator interface; the changes that need documents
(config/registration/changes.yaml) become a case for the registration team's review."""
from __future__ import annotations

from bot.engine import FirstWords, Flow, MenuEntry, Turn
from bot.engine.offers import NEXT
from bot.flows.cases import apply, checklist, collect, records
from bot.language import choices, intents
from bot.language.text import normalize
from bot.registry.base import RegistryUnavailable

from . import values

flow = Flow(
    "registration", journey="atualizacao_cadastral", needs_identity=True,
    menu=MenuEntry(70, "Atualizar cadastro"),
    intents=["quero atualizar meu endereco", "atualizar endereco", "mudei de endereco",
             "mudei de telefone", "trocar telefone", "trocar e-mail", "trocar email",
             "mudar email", "atualizar cadastro", "atualizacao cadastral", "casei e mudei de nome",
             "mudar meu nome", "alterar estado civil", "dados incorretos"],
    first_words=FirstWords(70, phrases=("atualizar cadastro", "atualizacao cadastral",
                                        "atualizar dados", "atualizar endereco",
                                        "atualizar meus dados", "alterar dados", "alterar endereco",
                                        "mudei de endereco", "mudar o endereco", "trocar o email",
                                        "meu email mudou", "cep mudou", "corrigir meu nome",
                                        "mudei de sobrenome", "atualizar telefone",
                                        "endereco que vcs tem", "novo numero", "troquei de numero",
                                        "dados cadastrais")),
)
KIND = "registration"
ORDER = ("address", "phone", "email", "name", "marital_status")
FIRST_STATE = {"address": "cep", "phone": "phone", "email": "email", "name": "name",
               "marital_status": "marital_status"}


def _changes(turn: Turn) -> dict:
    return checklist.changes_of(turn.runtime)


def named_changes(text: str, changes: dict) -> list[str]:
    norm = f" {normalize(text)} "
    return [code for code in ORDER if code in changes
            and any(f" {w} " in norm for w in changes[code].words)]


flow.hook("on_leave")(collect.on_leave)


@flow.on_entry
def _start(turn: Turn) -> None:
    chosen = named_changes(turn.data.get("entry_text", ""), _changes(turn))
    if chosen:
        turn.remember(chosen=chosen, values={})
        _next_value(turn)
        return
    _ask_which(turn)


def _ask_which(turn: Turn) -> None:
    changes = _changes(turn)
    turn.say("registration/which", options=[changes[c].label for c in ORDER if c in changes])
    turn.goto("which")


@flow.state("which")
def _which(turn: Turn) -> None:
    changes = _changes(turn)
    codes = [c for c in ORDER if c in changes]
    picked = choices.numbers(turn.choice, len(codes))
    chosen = ([codes[n - 1] for n in picked if 1 <= n <= len(codes)] if picked
              else named_changes(turn.text, changes))
    if not chosen:
        turn.retry("registration/which", options=[changes[c].label for c in codes])
        return
    turn.remember(chosen=[c for c in ORDER if c in chosen], values={})
    _next_value(turn)


def _next_value(turn: Turn) -> None:
    missing = [c for c in turn.data["chosen"] if c not in turn.data.get("values", {})]
    if not missing:
        turn.say("registration/read_back", items=_read_back(turn))
        turn.goto("confirm")
        return
    state = FIRST_STATE[missing[0]]
    turn.say(f"registration/ask_{state}")
    turn.goto(state)


def _store(turn: Turn, code: str, value) -> None:
    turn.remember(values={**turn.data.get("values", {}), code: value})
    _next_value(turn)


@flow.state("cep")
def _cep(turn: Turn) -> None:
    try:
        turn.remember(cep=values.cep(turn.text))
    except values.InvalidValue:
        turn.retry("registration/invalid", reason="cep")
        return
    turn.say("registration/ask_address")
    turn.goto("address")


@flow.state("address")
def _address(turn: Turn) -> None:
    try:
        parts = values.address(turn.text)
    except values.InvalidValue as bad:
        turn.retry("registration/invalid", reason=bad.reason)
        return
    _store(turn, "address", {**parts, "zip": turn.data["cep"]})


def _simple(code: str, parse):
    def handler(turn: Turn) -> None:
        try:
            value = parse(turn.text)
        except values.InvalidValue as bad:
            turn.retry("registration/invalid", reason=bad.reason)
            return
        _store(turn, code, value)
    return handler


flow.state("phone")(_simple("phone", values.phone))
flow.state("email")(_simple("email", values.email))
flow.state("name")(_simple("name", values.name))


@flow.state("marital_status")
def _marital(turn: Turn) -> None:
    try:
        turn.remember(marital=values.marital_status(turn.choice))
    except values.InvalidValue:
        turn.retry("registration/invalid", reason="marital_status")
        return
    turn.say("registration/ask_marital_date")
    turn.goto("marital_date")


@flow.state("marital_date")
def _marital_date(turn: Turn) -> None:
    try:
        day = values.event_date(turn.text, turn.today)
    except values.InvalidValue:
        turn.retry("registration/invalid", reason="date")
        return
    _store(turn, "marital_status", {"status": turn.data["marital"], "since": day.isoformat()})


def _read_back(turn: Turn) -> list[dict]:
    changes = _changes(turn)
    return [{"label": changes[c].label, "text": _shown(c, turn.data["values"][c])}
            for c in turn.data["chosen"]]


def _shown(code: str, value) -> str:
    if code == "address":
        complement = f", {value['complement']}" if value.get("complement") else ""
        return (f"{value['street']}, {value['number']}{complement}, {value['district']}, "
                f"{value['city']}/{value['state']}, CEP {value['zip']}")
    if code == "phone":
        return values.mask_phone(value)
    if code == "marital_status":
        since = value["since"]
        return f"{value['status']} desde {since[8:10]}/{since[5:7]}/{since[0:4]}"
    return str(value)


@flow.state("confirm")
def _confirm(turn: Turn) -> None:
    answer = intents.yes_no(turn.choice)
    if answer is None:
        turn.retry("registration/read_back", items=_read_back(turn))
        return
    if not answer:
        turn.say("registration/start_over")
        turn.remember(values={})
        _next_value(turn)
        return
    _finish(turn)


def _finish(turn: Turn) -> None:
    changes, chosen, given = _changes(turn), turn.data["chosen"], turn.data["values"]
    protocol = turn.data["protocol"]
    ref = turn.conversation.beneficiary_ref
    at_once = {c: apply.registry_value(c, given[c]) for c in chosen if changes[c].applied == "at_once"}
    if at_once:
        # The key names the protocol: a turn run again after a crash repeats it safely.
        try:
            turn.registry.update_registration(ref, at_once, idempotency_key=f"{protocol}:at_once")
        except RegistryUnavailable:
            turn.reject("registration/registry_down")  # "sim" again in a moment retries
            return
        turn.say("registration/applied", items=[changes[c].label for c in at_once])
    reviewed = [c for c in chosen if changes[c].applied == "after_review"]
    if not reviewed:
        turn.close_protocol("concluido", "cadastro atualizado: " + ", ".join(at_once))
        turn.say("registration/done", protocol=protocol)
        turn.end()
        return
    items = [i.as_dict() for i in checklist.items_for(changes, reviewed)]
    case = records.open_case(
        turn.session, protocol=protocol, kind=KIND, beneficiary_ref=ref,
        conversation_id=turn.conversation.id,
        changes=[{"type": c, "value": given[c]} for c in reviewed], items=items)
    turn.remember(case_id=case.id)
    collect.ask_missing(turn, case, first=True)
    turn.goto("documents")


collect.add_document_states(flow)


def resume_for_documents(conversation, case) -> None:
    """Entry point for the review: documents were rejected, the conversation waits for
    the new ones in this journey (used only when no other journey is running)."""
    collect.wait_for_documents(flow, conversation, case)


def correct_then_return(turn: Turn, *, back_to: str, back_text: str, offer: str,
                        about: str | None = None) -> None:
    """Entry point for a journey that finds the person's own registration data wrong
    before acting on it (scheduling's "meu telefone está errado"). This journey starts
    with the words that said so, so the change they name is taken from them as from any
    first message; identity already confirmed in the conversation is not asked again.
    When it ends (change applied, case in review, or "depois") the person is offered
    journey `back_to` with template `offer` (`about` said in it); "sim" starts it with
    `back_text` as its first words (bot/engine/offers.py)."""
    turn.start_flow(flow.name, entry_text=turn.text, **{NEXT: {
        "flow": back_to, "text": back_text, "offered": False,
        "offer": offer, "about": about}})
