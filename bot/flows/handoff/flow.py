"""Menu entry that hands the conversation to a person."""
from __future__ import annotations

from bot.engine import Flow, MenuEntry, Turn

flow = Flow("atendente", journey=None, needs_identity=False,
            menu=MenuEntry(99, "Falar com um atendente"))


@flow.on_entry
def start(turn: Turn) -> None:
    # No journey of its own: escalate() opens the "atendimento humano" protocol, the same
    # as for the `atendente` command typed anywhere.
    turn.end()
    turn.escalate("pedido do beneficiário pelo menu", owed=False)
