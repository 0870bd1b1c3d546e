"""Free text with no journey running: which journey it asks for (one or two, or named
outright by its first words), what the bot honestly cannot do, and a journey's screen
before it starts."""
from __future__ import annotations

from bot.engine import offers
from bot.engine.entry import start_flow
from bot.engine.flow import Flow
from bot.engine.turn import Turn
from bot.language import intents, not_ours, phrases, requests


def answered_before_the_intents(turn: Turn, text: str) -> bool:
    """What a first message is taken as before the journeys' intents are weighed, in this
    order (decision 0320): a request the bot cannot serve (config/language/not_ours.yaml:
    a provider) said honestly with a person offered; the first words of a journey
    (`Flow.first_words`, by rank) starting it; then the entries tried after those (an
    out-of-scope question)."""
    entry = not_ours.find(text, after_journeys=False)
    if entry is not None:
        return _not_ours(turn, entry)
    flow = next((f for f in turn.journeys.by_first_words()
                 if phrases.mentions(text, f.first_words.phrases, f.first_words.patterns)), None)
    if flow is not None:
        if not screened(turn, flow):
            start_flow(turn, flow)
        return True
    entry = not_ours.find(text, after_journeys=True)
    return entry is not None and _not_ours(turn, entry)


def _not_ours(turn: Turn, entry: not_ours.Entry) -> bool:
    """Said honestly, a person offered, no journey started. Once a journey for that label
    is built (its name or protocol journey), the entry's words start it instead, until
    the entry is deleted (the table's head)."""
    built = next((f for f in turn.journeys if entry.label in (f.name, f.journey)), None)
    if built is not None:
        if not screened(turn, built):
            start_flow(turn, built)
        return True
    offers.offer_person(turn, entry.template, entry.reason, what=entry.what)
    return True


def route(turn: Turn, text: str) -> Flow | None:
    """The journey a piece of free text asks for: an intent phrase, else a recognizer."""
    match = intents.detect(text, turn.journeys.intent_table())
    if match:
        return turn.journeys[match.name]
    return next((f for f in turn.journeys if f.hooks.recognizer and f.hooks.recognizer(text)), None)


def start_what_it_asks(turn: Turn, text: str) -> bool:
    """Start the journey the message asks for. A message with two requests ("boleto de
    dezembro e tb marcar pediatra") starts the first, says which comes next, and keeps
    the second for when the first ends (bot/engine/offers.py)."""
    whole = route(turn, text)
    if whole is None:
        return False
    found: list[tuple[Flow, int]] = []  # each journey asked for, and the part asking first
    pieces = requests.parts(text) if not turn.message.payload else []
    for i, piece in enumerate(pieces):
        flow = route(turn, piece)
        if flow is not None and flow not in [f for f, _ in found]:
            found.append((flow, i))
    first = found[0][0] if found else whole
    if screened(turn, first):
        return True
    second = next(((f, i) for f, i in found if f is not first), None)
    if second is None:
        start_flow(turn, first)
        return True
    flow, at = second
    note = ("next_request_noted", {"first": offers.label(first), "then": offers.label(flow)})
    start_flow(turn, first, note=note, entry_text=" ".join(pieces[:at]))
    offers.remember_next(turn, flow, " ".join(pieces[at:]))
    return True


def screened(turn: Turn, flow: Flow) -> bool:
    return bool(not turn.message.payload and flow.hooks.screen and flow.hooks.screen(turn))
