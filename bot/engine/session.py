"""The session around journeys: idle expiry, the menu, closings and misunderstandings."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.engine.flow import Flow, Message
from bot.engine.turn import Turn
from bot.language import choices, intents
from bot.registry.base import RegistryUnavailable
from bot.services import protocols
from bot.services.attachments import ACCEPTED_LABEL
from storage.models import Conversation

OFFER_HELP_AFTER_MISUNDERSTANDINGS = 2  # then the menu and a human are offered
ESCALATE_AFTER_MISUNDERSTANDINGS = 3  # then a human takes over


# -- idle expiry ----------------------------------------------------------------------
def _kept_open(conversation: Conversation, now: datetime) -> bool:
    """A state may outlive idle expiry until data["keep_until"] (UTC ISO): a reminder waits
    for its "sim"/"cancelar" until the appointment, however long the person takes."""
    until = (conversation.data or {}).get("keep_until")
    return bool(until) and now < datetime.fromisoformat(until)


def is_idle(conversation: Conversation, settings, now: datetime) -> bool:
    """No message for SESSION_IDLE_MINUTES (EMAIL_SESSION_IDLE_MINUTES by e-mail): the
    next turn starts a fresh session."""
    last = conversation.last_activity_at
    minutes = (settings.email_session_idle_minutes if conversation.channel == "email"
               else settings.session_idle_minutes)
    return last is not None and now - last >= timedelta(minutes=minutes)


def session_left(conversation: Conversation, settings, now: datetime) -> bool:
    """Nothing live in the conversation for work arriving from outside a turn (a reminder):
    no journey, or one expire_idle_session would close now (idle, not kept open)."""
    if conversation.flow is None:
        return True
    return is_idle(conversation, settings, now) and not _kept_open(conversation, now)


def expire_idle_session(turn, now: datetime) -> bool:
    c = turn.conversation
    if not is_idle(c, turn.settings, now):
        return False
    if _kept_open(c, now):
        c.identity_verified_at = None  # the state survives; the identity check does not
        return False
    had_session = c.flow is not None or c.identity_verified_at is not None
    c.identity_verified_at = None
    c.misunderstandings = 0
    if c.handoff == "waiting":
        # Still queued for a human: the request and its protocol stay open and the bot
        # stays silent, so there is no fresh start to announce — only the identity
        # confirmation lapses, as in any idle session.
        return False
    if c.flow is not None:
        turn.close_protocol("expirado", "conversa encerrada por inatividade")
    turn.end()
    return had_session


def close_idle_session(session, runtime, conversation: Conversation, now: datetime) -> None:
    """Expire an idle session for work arriving from outside a turn (a reminder, a
    campaign invitation) before it takes the conversation over: the journey left behind
    closes its protocol exactly as the person's next message would have."""
    expire_idle_session(Turn(session, runtime, conversation, Message(text="")), now)


# -- the menu -------------------------------------------------------------------------
def menu_option(turn, text: str) -> Flow | None:
    """"2", "2.", "opção 2", "dois", "a segunda opção", "2️⃣" (`bot.language.choices`)."""
    options = turn.journeys.menu()
    index = choices.single(text, len(options))
    if index is not None and 1 <= index <= len(options):
        return options[index - 1]
    return None


def menu_options(turn) -> list[dict]:
    return [{"number": i, "label": f.menu.label} for i, f in enumerate(turn.journeys.menu(), 1)]


def show_menu(turn, greeting: bool = False) -> None:
    try:
        b = turn.beneficiary
    except RegistryUnavailable:
        b = None  # the operator's API is down: greet without the name rather than fail
    turn.say("menu", greeting=greeting, name=b.first_name if b else None,
             options=menu_options(turn), operator=turn.settings.operator_name)


# -- files the person sent -------------------------------------------------------------
def answer_files(turn) -> None:
    """Refused files are answered at once with the reason; accepted files nobody asked
    for stay with the conversation (an attendant sees them) and the person is asked what
    they are for. A state that asks for documents gets them in `turn.files` instead."""
    message, c = turn.message, turn.conversation
    for reason in dict.fromkeys(message.refused):
        turn.say("attachments/refused", reason=reason, accepted=ACCEPTED_LABEL,
                 max_megabytes=turn.settings.attachments_max_bytes // 2**20)
    flow = turn.journeys.get(c.flow)
    if message.files and not (flow is not None and flow.takes_files(c.state)):
        turn.say("attachments/kept", count=len(message.files), in_flow=flow is not None,
                 waiting=c.handoff == "waiting")
    if (message.files or message.refused) and not message.payload and not (message.text or "").strip():
        if not (flow is not None and flow.takes_files(c.state) and message.files):
            turn.scratch["media_only"] = "file"


# -- closings and misunderstandings ---------------------------------------------------
def answered_as_closing(turn, text: str) -> bool:
    """Thanks, "ok", "👍", goodbyes — and the yes/no answering "Há algo mais em que eu
    possa ajudar?" (negotiation/anything_else, boleto/no_negotiation): a short friendly
    reply, never "não entendi". A yes is an opening for something else: the menu."""
    kind = intents.closing(text)
    if kind is None:
        return False
    if kind == "yes":
        show_menu(turn)
    else:
        turn.say("closing", kind=kind)
    return True


def settle_misunderstanding(turn) -> None:
    c = turn.conversation
    if turn._retry is None:
        c.misunderstandings = 0
        return
    template, context = turn._retry
    if turn._rejected or intents.closing(turn.text) in ("thanks", "ack", "goodbye"):
        # A "valeu" or "👍" in the middle of a journey is politeness, not confusion: ask
        # again, but it never counts towards handing the person to a human.
        c.misunderstandings = 0
        turn.say(template, **context)
        return
    c.misunderstandings = (c.misunderstandings or 0) + 1
    if c.misunderstandings >= ESCALATE_AFTER_MISUNDERSTANDINGS:
        c.misunderstandings = 0
        turn.escalate("o bot não entendeu várias mensagens seguidas",
                      template="handoff/not_understood", owed=False)
        return
    turn.say(template, **context)
    if c.misunderstandings == OFFER_HELP_AFTER_MISUNDERSTANDINGS:
        turn.say("offer_help", options=menu_options(turn))


def give_up_journey(session, conversation: Conversation) -> None:
    """After a message that keeps failing, the journey cannot go on from its state: it
    ends, and its protocol is cancelled rather than left "aberto" for ever. A conversation
    in the human queue (or with an attendant) keeps everything: the request and its
    protocol are intact, only the failing message is skipped."""
    if conversation.handoff is not None:
        return
    number = (conversation.data or {}).get("protocol")
    protocol = protocols.by_number(session, number) if number and conversation.flow else None
    if protocol is not None and not protocols.is_closed(protocol):
        protocols.set_status(protocol, "cancelado", "interrompido por uma falha no processamento")
    conversation.flow = conversation.state = None
    conversation.data = {}
