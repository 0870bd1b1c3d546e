"""One inbound message in, state change + outbox rows out: the engine's dispatcher."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.engine import handoff, identity, offers, routing
from bot.engine import session as sessions
from bot.engine.entry import start_flow
from bot.engine.flow import Button, Flow, Message
from bot.engine.turn import Turn
from bot.language import intents, mood
from bot.platform import clock
from storage.models import Conversation

log = logging.getLogger(__name__)


def handle(session: Session, runtime, conversation: Conversation, message: Message) -> Turn:
    """Process one inbound message for `conversation` (already locked by the caller)."""
    now = clock.now()
    turn = Turn(session, runtime, conversation, message)
    if conversation.handoff == "attendant":
        conversation.last_activity_at = now  # a human owns it: the bot stays silent
        return turn
    expired = sessions.expire_idle_session(turn, now)
    conversation.last_activity_at = now
    if expired:
        offers.forget_all(turn)
        turn.say("session_expired")
        expiry_note = turn._texts[-1]  # taken back if a standalone button answers

    cmd = intents.command(turn.text) if not message.payload else None
    # Someone waiting for a human who types "cancelar" wants out of the queue, not the
    # state's meaning of the word (e.g. cancelling an appointment).
    claimable = cmd is not None and conversation.handoff is None
    sessions.answer_files(turn)
    if conversation.handoff == "waiting":
        if _handled_while_waiting(turn, cmd):
            turn.flush()
            return turn
    if conversation.flow is None and not turn.identity_confirmed:
        identity.refresh_binding(turn)
    if (kind := _media_only(message)) is not None:
        # A voice note or a photo without text: say the bot cannot read it; the question
        # (or the menu) follows, and it never counts as a misunderstanding.
        turn.scratch["media_only"] = kind
        turn.say("media_only", kind=kind)

    if message.payload and (button := _run_buttons(turn)):
        if expired and button.standalone and expiry_note in turn._texts:
            turn._texts.remove(expiry_note)
    elif claimable and _answered_by_claiming_state(turn, cmd):
        pass
    elif cmd == "menu":
        offers.forget_all(turn)
        if conversation.flow is not None:
            # Back to the menu is giving the journey up, as "sair" is: its protocol is
            # closed (never left "aberto"), an outcome already reached is kept.
            turn.close_protocol("cancelado", "voltou ao menu")
        turn.end()
        sessions.show_menu(turn)
    elif cmd == "cancel":
        offers.forget_all(turn)
        was_in_flow = conversation.flow is not None
        if was_in_flow:
            turn.close_protocol("cancelado", "cancelado pelo beneficiário")
        turn.end()
        if intents.closing(turn.text) == "goodbye":  # "tchau" is a farewell, not a cancel
            turn.say("closing", kind="goodbye")
        else:
            turn.say("cancelled" if was_in_flow else "nothing_to_cancel")
    elif cmd == "human":
        offers.forget_all(turn)
        turn.escalate("pedido do beneficiário", owed=False)
    elif conversation.flow is None:
        handle_idle(turn, fresh_start=expired)
    else:
        _handle_in_flow(turn)

    if turn.scratch.get("media_only") and turn._retry is not None:
        turn._rejected = True
    offers.offer_next_when_done(turn)
    sessions.settle_misunderstanding(turn)
    turn.flush()
    return turn


def _media_only(message: Message) -> str | None:
    """'audio', 'image', 'video' or 'file' for a message with attachments and no text
    that the bot could not take as files (a voice note, a video, a channel without
    downloads)."""
    if not message.attachments or message.payload or (message.text or "").strip():
        return None
    if message.files or message.refused:
        return None
    major = (message.attachments[0].get("content_type") or "").split("/", 1)[0].lower()
    return major if major in ("audio", "image", "video") else "file"


def _run_buttons(turn: Turn) -> Button | None:
    """The button route that consumed the answer, if any."""
    return next((b for b in turn.journeys.buttons() if b.route(turn)), None)


def _handled_while_waiting(turn: Turn, cmd: str | None) -> bool:
    """The conversation is queued for a human. True when this message is fully handled.

    Buttons still work (a reminder's "cancelar" must not wait for an attendant; a button
    that starts a journey takes the person out of the queue, see start_flow). `menu` /
    `cancelar` leave the queue. Anything else gets, at most once per interval, a short
    note that the request is in the queue — never silence, never spam."""
    c = turn.conversation
    turn.scratch["queued_protocol"] = c.data.get("protocol")
    if turn.message.payload and _run_buttons(turn):
        sessions.settle_misunderstanding(turn)
        return True
    if cmd == "menu":
        handoff.leave_human_queue(turn)
        return False  # the menu is shown by the normal path
    if cmd == "cancel":
        handoff.leave_human_queue(turn)
        return True
    handoff.remind_queue_position(turn)
    return True


def _answered_by_claiming_state(turn: Turn, cmd: str) -> bool:
    """Give a claimed command word to the current state. Should the state not understand
    it after all ("sair" where only "cancelar" is an answer), the global command runs."""
    c = turn.conversation
    flow = turn.journeys.get(c.flow)
    if flow is None or cmd not in flow.claims.get(c.state, ()):
        return False
    said = len(turn._texts)
    _handle_in_flow(turn)
    if turn._retry is None or turn._rejected:
        return True
    turn._retry = None
    del turn._texts[said:]
    return False


def handle_idle(turn: Turn, *, fresh_start: bool = False) -> None:
    """A message with no journey running. `fresh_start`: the session it answered has just
    expired, so a bare answer ("2", "sim", a stale list button) belonged to a question of
    that session — a menu number then would start a journey the person never asked for.
    Only a clear request (or a thanks) is acted on; anything else gets the menu."""
    text = turn.choice
    if any(f.hooks.claim(turn) for f in turn.journeys if f.hooks.claim):
        return  # a sender a journey owns (a provider in an open retention case)
    if turn.scratch.get("media_only"):
        sessions.show_menu(turn)  # after "não consigo ouvir áudios… escreva o que precisa"
        return
    if not fresh_start and offers.answered(turn, text, start_flow):
        return
    option = None if fresh_start else sessions.menu_option(turn, text)
    if option is not None:
        start_flow(turn, option)
        return
    if not turn.message.payload and routing.answered_before_the_intents(turn, text):
        return
    if routing.start_what_it_asks(turn, text):
        return
    if not turn.message.payload and mood.angry(text):
        offers.offer_person(turn, "not_ours/angry", "beneficiário insatisfeito", busy=False)
        return
    greeting = intents.is_greeting(text) or not text.strip()
    if fresh_start and not greeting and intents.closing(text) != "thanks":
        sessions.show_menu(turn)  # "sim", "não", "ok", "2": answers to a question of the expired session
        return
    if sessions.answered_as_closing(turn, text):
        return
    if greeting:
        sessions.show_menu(turn, greeting=True)
        return
    if identity.refused_while_blocked(turn):
        return  # more CPF digits typed during the lockout: no "não entendi" counting to a handoff
    turn.retry("not_understood_menu", options=sessions.menu_options(turn))


def _handle_in_flow(turn: Turn) -> None:
    flow = turn.journeys.get(turn.conversation.flow)
    if flow is None:  # a flow removed by a deploy: start over rather than crash
        turn.end()
        sessions.show_menu(turn)
        return
    state = turn.conversation.state
    if state in identity.STATES:
        # "Na verdade quero marcar consulta" at the CPF question: the other journey, not a
        # wrong answer (nor a spent attempt). Identity is the conversation's, asked again there.
        target = None if turn.message.payload else _other_journey(turn, flow)
        if target is not None and not routing.screened(turn, target):
            turn.close_protocol("cancelado", "trocou de assunto")
            turn.end()
            start_flow(turn, target)
            return
        identity.handle(turn, flow)
        return
    handler = flow.states.get(state)
    if handler is None:
        log.warning("flow %s has no state %r; restarting it", flow.name, state)
        turn.end()
        sessions.show_menu(turn)
        return
    handler(turn)
    if turn._retry is not None and not turn._rejected:
        _another_journey_instead(turn, flow)
    if turn._retry is not None and not turn._rejected and mood.angry(turn.text):
        # "😡", "ABSURDO": an apology and a person offered; the question still stands
        # and the outburst does not count as a misunderstanding.
        turn.say("not_ours/angry", busy=True)
        turn._rejected = True


def _another_journey_instead(turn: Turn, flow: Flow) -> None:
    """A clear request for another journey beats "I did not understand"."""
    target = None if turn.message.payload else _other_journey(turn, flow)
    if target is None:
        return
    if flow.hooks.keeps is not None and flow.hooks.keeps(turn, target.name):
        turn._rejected = True
        return
    if routing.screened(turn, target):
        # Said why that cannot be done here; the current question still stands.
        turn._rejected = True
        return
    if target.hooks.aside is not None and (turn.identity_confirmed or not target.needs_identity):
        turn._retry = None
        target.hooks.aside(turn)
        turn.say("journey_goes_on", protocol=turn.protocol)
        return
    turn._retry = None
    turn.close_protocol("cancelado", "trocou de assunto")
    turn.end()
    start_flow(turn, target)


def _other_journey(turn: Turn, flow: Flow) -> Flow | None:
    """A clear request (a whole intent phrase) for a journey other than `flow`."""
    match = intents.detect(turn.text, turn.journeys.intent_table(besides=flow), threshold=101)
    return turn.journeys[match.name] if match else None
