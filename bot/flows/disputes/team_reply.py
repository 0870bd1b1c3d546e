"""Contas médicas' reply to a dispute's e-mail moves the case on: a clear verdict in the
reply ("cobrança procedente" / "indevida, estornar") is applied as the attendants' API
would; anything else stays in the case's history for an attendant to record."""
from __future__ import annotations

import re

from bot.flows.disputes import outcome
from bot.language.text import normalize

_UNDUE = re.compile(r"\b(?:indevid[ao]s?|improcedente|estorn\w*|nao (?:foi )?realizad[ao]|"
                    r"cobrad[ao] (?:por engano|errad[ao])|credito)\b")
_VALID = re.compile(r"\b(?:procedente|devid[ao]|corret[ao]|realizad[ao]|confirmad[ao]|"
                    r"mantid[ao]|valid[ao])\b")


def verdict(text: str) -> str | None:
    """'undue', 'valid' or None when the reply does not say (or says both)."""
    norm = normalize(text)
    undue, valid = bool(_UNDUE.search(norm)), bool(_VALID.search(norm))
    if undue == valid:
        return None
    return "undue" if undue else "valid"


def on_team_reply(reply) -> None:
    if reply.team != "contas_medicas":
        return  # finance's acknowledgement only goes into the history
    result = verdict(reply.text)
    if result is None:
        return
    try:
        conversation_id = outcome.record(reply.session, reply.runtime, reply.protocol.number,
                                         result, note=reply.text[:2000])
    except outcome.OutcomeError:
        return  # already decided (the attendants' API came first): the reply is history
    reply.deliver_to.append(conversation_id)
