"""Status de guia: "status da guia", "minha autorização", "saiu a autorização?" → after
identity, the person's guides (and their dependents', for a titular) with status,
procedure, date and deadline; one chosen → its detail. A guide number of somebody else
is never shown: only the listed guides can be opened."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.engine import FirstWords, Flow, MenuEntry, Turn
from bot.flows.guides import updates
from bot.language import choices
from bot.registry.base import GuideInfo, RegistryUnavailable
from storage.models import GuideTracking

MAX_LISTED = 8

flow = Flow(
    "status_guia", journey="status_guia", needs_identity=True,
    menu=MenuEntry(6, "Status de guia / autorização"),
    intents=["status da guia", "minha guia", "minha autorizacao", "saiu a autorizacao",
             "guia liberada", "consultar guia", "status da autorizacao", "guia foi autorizada",
             "guia foi liberada", "ja liberaram", "autorizacao saiu", "ja foi autorizada",
             "andamento da guia", "acompanhar guia", "numero da guia", "ja saiu",
             "quando libera", "foi aprovada", "foi negada", "ainda ta em analise",
             "autorizacao do meu exame", "guia ja foi"],
    first_words=FirstWords(50, phrases=("status da autorizacao", "ja foi autorizada",
                                        "foi autorizada", "foi aprovada", "foi negada", "ja saiu",
                                        "saiu a autorizacao", "ja liberaram", "liberada",
                                        "em analise", "quando libera", "como ta a autorizacao"),
                           # a guide named without asking to get one ("liberar uma guia" is
                           # a new request, for procedures)
                           patterns=(r"^(?!.*\b(?:(?:preciso|quero|queria|pedir|vou) "
                                     r"(?:liberar|autorizar)|preciso de uma)\b).*\bguias?\b",)),
)

_GUIDE_NUMBER = re.compile(r"\b([A-Za-z]{0,3}\d{6,20})\b")


@flow.on_entry
def start(turn: Turn) -> None:
    try:
        guides = _guides(turn)
    except RegistryUnavailable:
        turn.say("generic_error")
        turn.close_protocol("cancelado", "sistema do plano indisponível")
        return turn.end()
    if not guides:
        turn.say("guides/none")
        turn.close_protocol("concluido", "nenhuma guia encontrada")
        return turn.end()
    asked = _named_number(turn.data.get("entry_text") or "", guides)
    if asked is not None:
        return _detail(turn, asked)
    if len(guides) == 1:
        return _detail(turn, guides[0])
    turn.remember(guides=[g.number for g in guides])
    turn.goto("choose")
    turn.say("guides/list", guides=guides, deadlines=_deadlines(turn, guides))


def _guides(turn: Turn) -> list[GuideInfo]:
    me = turn.beneficiary
    people = [me, *turn.registry.dependents(me.ref)] if me.is_holder else [me]
    found = [g for p in people for g in turn.registry.guides(p.ref)]
    return sorted(found, key=lambda g: g.requested_at, reverse=True)[:MAX_LISTED]


def _deadlines(turn: Turn, guides: list[GuideInfo]) -> dict:
    """The operator's deadline, else the one the bot computed when it registered it."""
    tracked = {t.number: t.deadline for t in turn.session.scalars(
        select(GuideTracking).where(GuideTracking.number.in_([g.number for g in guides])))}
    return {g.number: g.deadline or tracked.get(g.number) for g in guides}


def _named_number(text: str, guides: list[GuideInfo]) -> GuideInfo | None:
    for found in _GUIDE_NUMBER.findall(text or ""):
        match = next((g for g in guides if g.number.upper() == found.upper()), None)
        if match is not None:
            return match
    return None


@flow.state("choose")
def choose(turn: Turn) -> None:
    try:
        guides = [g for g in _guides(turn) if g.number in turn.data["guides"]]
    except RegistryUnavailable:
        return turn.say("generic_error")
    order = {n: i for i, n in enumerate(turn.data["guides"])}
    guides.sort(key=lambda g: order[g.number])
    number = choices.single(turn.choice, len(guides))
    if number is not None and 1 <= number <= len(guides):
        return _detail(turn, guides[number - 1])
    named = _named_number(turn.text, guides)
    if named is not None:
        return _detail(turn, named)
    if _GUIDE_NUMBER.search(turn.text or ""):
        # Another beneficiary's guide or a mistyped one: never confirmed either way.
        return turn.reject("guides/not_yours", count=len(guides))
    turn.retry("guides/choose_again", count=len(guides))


def _detail(turn: Turn, guide: GuideInfo) -> None:
    deadline = _deadlines(turn, [guide])[guide.number]
    me = turn.beneficiary
    patient = me.name if guide.beneficiary_ref == me.ref else _name(turn, guide.beneficiary_ref)
    turn.say("guides/detail", guide=guide, deadline=deadline, patient=patient)
    turn.close_protocol("concluido", f"status da guia {guide.number} informado")
    turn.end()


def _name(turn: Turn, ref: str) -> str:
    person = turn.registry.beneficiary(ref)
    return person.name if person else ""


flow.due(updates.poll)
flow.due(updates.alert_deadlines)
