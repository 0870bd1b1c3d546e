"""'Meus protocolos': the person's recent protocols with their status."""
from __future__ import annotations

from bot.engine import Flow, MenuEntry, Turn
from bot.services import protocols


def _list(turn: Turn) -> None:
    items = protocols.recent_for(turn.session, turn.conversation.beneficiary_ref)
    turn.say("protocols/list", protocols=items)


flow = Flow(
    "protocolos", journey=None, needs_identity=True, menu=MenuEntry(90, "Meus protocolos"),
    intents=["meus protocolos", "protocolos", "meu protocolo", "acompanhar protocolo",
             "numero do protocolo", "status do protocolo", "protocolo"],
)
flow.hook("aside")(_list)


@flow.on_entry
def start(turn: Turn) -> None:
    _list(turn)
    turn.end()
