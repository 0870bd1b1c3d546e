"""The answer to a negotiation campaign's invitation: text or the "negotiate" button."""
from __future__ import annotations

from bot.engine import Turn, handle_idle
from bot.flows.negotiation.language import (
    refuses,
)
from bot.language.intents import yes_no


# -- campaign replies -------------------------------------------------------------------------
def campaign_reply(turn: Turn) -> None:
    answer = yes_no(turn.text, extra_yes=frozenset({"negociar", "quero negociar", "quero", "vamos"}))
    turn.end()
    if answer is True:
        return turn.start_flow("negociacao")
    if answer is False or refuses(turn.norm):
        return turn.say("negotiation/campaign_declined")
    handle_idle(turn)  # not an answer to the invitation: treat it as a fresh message


def campaign_button(turn: Turn) -> bool:
    if turn.message.payload != "negotiate":
        return False
    # start_flow replaces flow, state and data; ending here first would wipe the queued
    # request's protocol when the journey is refused (identity lockout). A journey the
    # button interrupts is given up, its protocol with it (never left "aberto").
    c = turn.conversation
    if c.flow is not None and c.handoff is None:
        turn.close_protocol("cancelado", "trocou de assunto")
    turn.start_flow("negociacao")
    return True
