"""'Meus protocolos': the person's recent protocols with their status."""
from __future__ import annotations

from bot import protocols
from bot.engine import Flow, Turn, register

def _list(turn: Turn) -> None:
    items = protocols.recent_for(turn.session, turn.conversation.beneficiary_ref)
    turn.say("protocols/list", protocols=items)


flow = register(Flow(
    "protocolos", journey=None, needs_identity=True, menu_order=90, aside=_list,
    menu_label="Meus protocolos",
    intents=["meus protocolos", "protocolos", "meu protocolo", "acompanhar protocolo",
             "numero do protocolo", "status do protocolo"],
))


@flow.on_entry
def start(turn: Turn) -> None:
    _list(turn)
    turn.end()
