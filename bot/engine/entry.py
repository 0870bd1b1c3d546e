"""Entering a journey: the protocol first (ANS), then identity if needed, then its entry."""
from __future__ import annotations

from bot.engine import handoff, identity

# Conversation data that survives from one journey to the next: a second request in the
# same message, waiting its turn (bot/engine/offers.py).
CARRIED = ("next_request",)


def start_flow(turn, flow, *, note: tuple[str, dict] | None = None, **data) -> None:
    """`note`: (template, context) said right after the protocol number, before the
    identity check or the journey's first words (which comes first of two requests)."""
    c = turn.conversation
    if flow.needs_identity and not turn.identity_confirmed and identity.refused_while_blocked(turn):
        return  # checked first: a refused button must not take the person out of the queue
    if c.handoff == "waiting":  # a button that starts a journey: the person chose the bot
        handoff.leave_human_queue(turn, turn.scratch.get("queued_protocol"))
    # The words that started the journey may already carry answers ("cardiologista em
    # Dourados amanhã"); flows read them from entry_text once identity is settled.
    carried = {k: v for k, v in (c.data or {}).items()
               if k in CARRIED and (v or {}).get("flow") != flow.name}
    c.flow, c.state, c.data = flow.name, None, {"entry_text": turn.text, **carried, **data}
    if flow.journey:
        protocol = turn.open_protocol(flow.journey)
        turn.say("protocol_opened", number=protocol.number, journey=flow.journey)
    if note is not None:
        turn.say(note[0], **note[1])
    if flow.needs_identity and not turn.identity_confirmed:
        identity.begin(turn, flow)
        return
    flow.entry(turn)
