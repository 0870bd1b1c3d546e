"""What the bot offers when it cannot do what was asked, or not yet: a person (a request
that is not ours, anger) or the second request of a message that held two.

Both wait in the conversation's data while no journey runs, answered by the next message
("sim" / "não"); any other message drops the offer and is read as usual. The second
request survives the first journey (`CARRIED` in `Turn.end` and `start_flow`) and is
offered when that journey ends: "Você também pediu *Agendar consulta*. Vamos seguir?".
"""
from __future__ import annotations

from bot.language import intents

PERSON = "offer_person"  # data key: the reason a person was offered
# data key: {"flow": name, "text": the words, "offered": bool}, and optionally "offer" (the
# template that offers it, instead of "next_request_offer") and "about" (said with it)
NEXT = "next_request"


def offer_person(turn, template: str, reason: str, **context) -> None:
    turn.say(template, **context)
    turn.remember(**{PERSON: reason})


def remember_next(turn, flow, text: str) -> None:
    turn.remember(**{NEXT: {"flow": flow.name, "text": text, "offered": False}})


def label(flow) -> str:
    return flow.menu.label if flow.menu else flow.name


def forget_all(turn) -> None:
    if PERSON in turn.data or NEXT in turn.data:
        turn.forget(PERSON, NEXT)


def answered(turn, text: str, start_flow) -> bool:
    """The message answers an offer made on the previous turn: True when handled."""
    reason = turn.data.get(PERSON)
    pending = turn.data.get(NEXT) if (turn.data.get(NEXT) or {}).get("offered") else None
    if reason is None and pending is None:
        return False
    said = intents.yes_no(text)
    turn.forget(PERSON, NEXT)
    if said is None:
        return False
    if not said:
        turn.say("not_ours/declined")
    elif reason is not None:
        turn.escalate(reason, owed=False)
    else:
        flow = turn.journeys.get(pending["flow"])
        if flow is None:
            return False
        start_flow(turn, flow, entry_text=pending["text"])
    return True


def offer_next_when_done(turn) -> None:
    """At the end of a turn: the first journey is over, so the second request is offered."""
    c = turn.conversation
    pending = c.data.get(NEXT)
    if not pending or pending.get("offered") or c.flow is not None or c.handoff is not None:
        return
    flow = turn.journeys.get(pending["flow"])
    if flow is None:
        turn.forget(NEXT)
        return
    turn.remember(**{NEXT: {**pending, "offered": True}})
    turn.say(pending.get("offer") or "next_request_offer", label=label(flow),
             about=pending.get("about"))
