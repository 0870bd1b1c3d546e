"""“enviar documentos”: goes back to the case of this person that waits for documents
(atualização cadastral, maioridade, troca de titularidade), in its own journey, under its
own protocol (this entry opens none)."""
from __future__ import annotations

from bot.engine import Flow, Turn
from bot.flows.cases import collect, records, reminders
from bot.flows.maioridade import flow as maioridade
from bot.flows.registration import flow as registration
from bot.flows.troca_titularidade import flow as troca

flow = Flow(
    "documents", journey=None, needs_identity=True,
    intents=["enviar documentos", "enviar documento", "reenviar documentos",
             "mandar documentos", "mandar os documentos", "enviar os documentos"],
)
RESUME = {
    registration.KIND: registration.resume_for_documents,
    maioridade.KIND: maioridade.resume_for_documents,
    troca.KIND: troca.resume_for_documents,
}


@flow.on_entry
def _start(turn: Turn) -> None:
    c = turn.conversation
    case = (records.awaiting_in_conversation(turn.session, c.id, tuple(RESUME))
            or records.awaiting_files(turn.session, c.beneficiary_ref, tuple(RESUME)))
    if case is None:
        turn.say("cases/nothing_awaited")
        turn.end()
        return
    RESUME[case.kind](c, case)
    collect.ask_missing(turn, case)


@flow.due
def _remind(runtime) -> None:
    """Cases waiting for documents: reminders, then closed (config/cases/review.yaml)."""
    for kind, resume in RESUME.items():
        reminders.run(runtime, kind, resume)
