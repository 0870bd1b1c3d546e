"""The conversation engine: one inbound message in, state change + outbox rows out.

A flow (bot/flows/*) is a small state machine in the style of python-telegram-bot's
ConversationHandler: an entry, named states with a handler each, and the engine's
fallbacks (global commands, misunderstanding, idle expiry, identity gate, handoff).
Everything a turn does is written through the caller's SQLAlchemy session, so the reply,
the state change and any business effect commit together or not at all.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.orm import Session

from bot import choices, clock, intents, outbox, protocols
from bot.registry.base import BeneficiaryInfo, RegistryUnavailable
from bot.templates import render
from bot.text import normalize
from storage.models import Conversation, Protocol

log = logging.getLogger(__name__)

Handler = Callable[["Turn"], None]

OFFER_HELP_AFTER_MISUNDERSTANDINGS = 2  # then the menu and a human are offered
ESCALATE_AFTER_MISUNDERSTANDINGS = 3  # then a human takes over


@dataclass(frozen=True)
class Message:
    """The part of an inbound message a flow may look at."""

    text: str
    payload: str | None = None
    attachments: tuple = ()
    external_id: str | None = None


class Flow:
    def __init__(self, name: str, *, journey: str | None, needs_identity: bool,
                 intents: list[str] = (), menu_label: str | None = None,
                 menu_order: int | None = None, identity_alternatives: bool = False,
                 identity_notice: str | None = None,
                 recognizer: Callable[[str], bool] | None = None,
                 screen: Callable[["Turn"], bool] | None = None,
                 on_leave: Callable[["Turn"], str | tuple[str, str] | None] | None = None,
                 keeps: Callable[["Turn", str], bool] | None = None,
                 aside: Handler | None = None):
        self.name = name
        self.journey = journey
        self.needs_identity = needs_identity
        self.intents = list(intents)
        self.menu_label = menu_label
        self.menu_order = menu_order
        self.identity_alternatives = identity_alternatives
        self.identity_notice = identity_notice  # template said before the identity check
        self.recognizer = recognizer  # extra free-text trigger, e.g. a specialty name
        # Run on free text about to start (or switch to) the journey; True when it answered
        # the message itself because there is nothing the journey could do (a specialty it
        # cannot book): no protocol, no identity check, the state unchanged.
        self.screen = screen
        # What the protocol's history should add when the person leaves the journey midway
        # (sair, tchau, another journey, idle): the negotiation's last offer shown, so
        # whoever calls back knows it. The status and what the person is told stay the
        # engine's — unless it returns (status, note): an outcome reached before leaving
        # (a first agreement closed when a second code was still being negotiated).
        self.on_leave = on_leave
        # Run when a message the current state did not understand reads as a request for
        # another journey (its name): True when it is this journey's own business (the
        # negotiation's "me manda o boleto" is its agreement's boleto, not a 2ª via). It
        # may say why; the state's question then stands, not counted as a misunderstanding.
        self.keeps = keeps
        # A look-up ("meus protocolos") asked in the middle of another journey: says its
        # answer without touching the state, so the journey goes on where it was.
        self.aside = aside
        self.entry: Handler | None = None
        self.states: dict[str, Handler] = {}
        self.claims: dict[str, frozenset[str]] = {}  # state -> global commands it answers

    def on_entry(self, fn: Handler) -> Handler:
        self.entry = fn
        return fn

    def state(self, name: str, *, claims: set[str] = frozenset()) -> Callable[[Handler], Handler]:
        """Register a state. `claims`: global commands ("cancel", ...) whose words this
        state's own prompt offers as answers ("responda *cancelar* para desmarcar"); the
        engine hands them to the state instead of acting on them."""
        def register(fn: Handler) -> Handler:
            self.states[name] = fn
            self.claims[name] = frozenset(claims)
            return fn
        return register


_FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    _FLOWS[flow.name] = flow
    return flow


def flows() -> dict[str, Flow]:
    import bot.flows  # noqa: F401  (registers every journey)

    return _FLOWS


def menu_flows() -> list[Flow]:
    return sorted((f for f in flows().values() if f.menu_order is not None),
                  key=lambda f: f.menu_order)


@dataclass
class Turn:
    session: Session
    runtime: object
    conversation: Conversation
    message: Message
    _texts: list[str] = field(default_factory=list)
    _retry: tuple[str, dict] | None = None
    _rejected: bool = False  # the retry is an understood answer refused, not a misunderstanding
    _beneficiary: BeneficiaryInfo | None = None
    deferred: list[Callable[[], None]] = field(default_factory=list)
    scratch: dict = field(default_factory=dict)  # per-turn cache for flows

    # -- reading -------------------------------------------------------------------
    @property
    def settings(self):
        return self.runtime.settings

    @property
    def registry(self):
        return self.runtime.registry.bind(self.session)

    @property
    def text(self) -> str:
        return self.message.text or ""

    @property
    def norm(self) -> str:
        return normalize(self.message.text)

    @property
    def choice(self) -> str:
        """What the person picked: the button/list id when there is one, else the text."""
        return self.message.payload or self.text

    @property
    def data(self) -> dict:
        return self.conversation.data

    def remember(self, **values) -> None:
        # JSON columns track reassignment, not in-place mutation
        self.conversation.data = {**self.conversation.data, **values}

    def forget(self, *keys: str) -> None:
        self.conversation.data = {k: v for k, v in self.conversation.data.items() if k not in keys}

    @property
    def beneficiary(self) -> BeneficiaryInfo | None:
        ref = self.conversation.beneficiary_ref
        if ref and (self._beneficiary is None or self._beneficiary.ref != ref):
            self._beneficiary = self.registry.beneficiary(ref)
        return self._beneficiary if ref else None

    @property
    def now(self) -> datetime:
        return clock.now()

    @property
    def today(self):
        return clock.today()

    @property
    def identity_confirmed(self) -> bool:
        return self.conversation.identity_verified_at is not None

    # -- replying --------------------------------------------------------------------
    def say(self, template: str, /, **context) -> None:
        """Queue text for the person; texts of one turn go out as one WhatsApp message."""
        self._texts.append(render(template, **context))

    def say_media(self, template: str, /, media: list[dict], **context) -> None:
        self.flush()
        outbox.enqueue_text(self.session, self.conversation, render(template, **context),
                            media=media)

    def say_choices(self, template: str, /, items: list[dict], *, kind: str = "list",
                    **context) -> None:
        """Offer choices: a WhatsApp list-picker / quick-reply when a Twilio Content
        template is configured, else numbered text. `items`: [{id, title, description}].
        Either way the answer may be the item id (payload), its number or its text."""
        body = render(template, items=items, interactive=False, **context)
        sid = (self.settings.content_list_sid if kind == "list"
               else self.settings.content_buttons_sid)
        if not sid or self.conversation.channel != "whatsapp" or len(items) > 10:
            self._texts.append(body)
            return
        self.flush()
        short = render(template, items=items, interactive=True, **context)
        outbox.enqueue_interactive(self.session, self.conversation, sid, short, items, body)

    def flush(self) -> None:
        if self._texts:
            outbox.enqueue_text(self.session, self.conversation, "\n\n".join(self._texts))
            self._texts = []

    def defer(self, fn: Callable[[], None]) -> None:
        """Run `fn` after this turn's transaction commits (e.g. enqueue a timed job)."""
        self.deferred.append(fn)

    def retry(self, template: str, /, **context) -> None:
        """The person's answer did not fit: explain, keep the state unchanged."""
        self._retry = (template, context)
        self._rejected = False

    def reject(self, template: str, /, **context) -> None:
        """The answer was understood but cannot be accepted (a date already past, a city
        without providers): explain and keep the state, without counting it towards the
        misunderstandings that offer a human."""
        self._retry = (template, context)
        self._rejected = True

    # -- moving ----------------------------------------------------------------------
    def goto(self, state: str) -> None:
        self.conversation.state = state

    def end(self) -> None:
        self.conversation.flow = None
        self.conversation.state = None
        self.conversation.data = {}

    def start_flow(self, name: str, **data) -> None:
        start_flow(self, flows()[name], **data)

    def escalate(self, reason: str, *, template: str = "handoff/waiting", owed: bool = True,
                 **context) -> None:
        escalate(self, reason, template=template, owed=owed, **context)

    # -- protocols -------------------------------------------------------------------
    @property
    def protocol(self) -> Protocol | None:
        number = self.data.get("protocol")
        return protocols.by_number(self.session, number) if number else None

    def open_protocol(self, journey: str, details: dict | None = None) -> Protocol:
        protocol = protocols.open_protocol(
            self.session, self.settings, journey,
            beneficiary_ref=self.conversation.beneficiary_ref,
            conversation_id=self.conversation.id, details=details,
        )
        self.remember(protocol=protocol.number)
        return protocol

    def close_protocol(self, status: str = "concluido", note: str | None = None) -> None:
        protocol = self.protocol
        if protocol is None:
            return
        if protocols.is_closed(protocol) and status in ("cancelado", "expirado"):
            # The journey already reached its outcome (a bill sent, an appointment booked):
            # leaving or going idle afterwards must not rewrite it as cancelled.
            return
        if status in ("cancelado", "expirado"):
            flow = flows().get(self.conversation.flow) if self.conversation.flow else None
            left = flow.on_leave(self) if flow is not None and flow.on_leave else None
            if isinstance(left, tuple):  # the journey reached an outcome before leaving
                status, left = left
            if left:
                note = f"{note}; {left}" if note else left
        protocols.set_status(protocol, status, note)


# -----------------------------------------------------------------------------------
PayloadRoute = Callable[["Turn"], bool]
_payload_routes: list[PayloadRoute] = []
_standalone_routes: set[PayloadRoute] = set()


def route_payload(fn: PayloadRoute | None = None, *, standalone: bool = False):
    """Register a handler for button answers that must work in any state (e.g. a
    reminder's confirm/cancel buttons); it returns True when it consumed the message.
    `standalone`: the button answers a message of its own (a reminder), not the session,
    so its answer is not preceded by the "conversa encerrada… começar de novo" note."""
    def register_route(route: PayloadRoute) -> PayloadRoute:
        _payload_routes.append(route)
        if standalone:
            _standalone_routes.add(route)
        return route

    return register_route(fn) if fn is not None else register_route


def handle(session: Session, runtime, conversation: Conversation, message: Message) -> Turn:
    """Process one inbound message for `conversation` (already locked by the caller)."""
    now = clock.now()
    turn = Turn(session, runtime, conversation, message)
    if conversation.handoff == "attendant":
        conversation.last_activity_at = now  # a human owns it: the bot stays silent
        return turn
    expired = expire_idle_session(turn, now)
    conversation.last_activity_at = now
    if expired:
        turn.say("session_expired")
        expiry_note = turn._texts[-1]  # taken back if a standalone button answers

    flows()
    cmd = intents.command(turn.text) if not message.payload else None
    # Someone waiting for a human who types "cancelar" wants out of the queue, not the
    # state's meaning of the word (e.g. cancelling an appointment).
    claimable = cmd is not None and conversation.handoff is None
    if conversation.handoff == "waiting":
        if _handled_while_waiting(turn, cmd):
            turn.flush()
            return turn
    if conversation.flow is None and not turn.identity_confirmed:
        from bot import identity

        identity.refresh_binding(turn)
    if (kind := _media_only(message)) is not None:
        # A voice note or a photo without text: say the bot cannot read it; the question
        # (or the menu) follows, and it never counts as a misunderstanding.
        turn.scratch["media_only"] = kind
        turn.say("media_only", kind=kind)

    if message.payload and (route := _run_payload_routes(turn)):
        if expired and route in _standalone_routes and expiry_note in turn._texts:
            turn._texts.remove(expiry_note)
    elif claimable and _answered_by_claiming_state(turn, cmd):
        pass
    elif cmd == "menu":
        if conversation.flow is not None:
            # Back to the menu is giving the journey up, as "sair" is: its protocol is
            # closed (never left "aberto"), an outcome already reached is kept.
            turn.close_protocol("cancelado", "voltou ao menu")
        turn.end()
        show_menu(turn)
    elif cmd == "cancel":
        was_in_flow = conversation.flow is not None
        if was_in_flow:
            turn.close_protocol("cancelado", "cancelado pelo beneficiário")
        turn.end()
        if intents.closing(turn.text) == "goodbye":  # "tchau" is a farewell, not a cancel
            turn.say("closing", kind="goodbye")
        else:
            turn.say("cancelled" if was_in_flow else "nothing_to_cancel")
    elif cmd == "human":
        turn.escalate("pedido do beneficiário", owed=False)
    elif conversation.flow is None:
        handle_idle(turn, fresh_start=expired)
    else:
        _handle_in_flow(turn)

    if turn.scratch.get("media_only") and turn._retry is not None:
        turn._rejected = True
    _settle_misunderstanding(turn)
    turn.flush()
    return turn


def _media_only(message: Message) -> str | None:
    """'audio', 'image', 'video' or 'file' for a message with attachments and no text."""
    if not message.attachments or message.payload or (message.text or "").strip():
        return None
    major = (message.attachments[0].get("content_type") or "").split("/", 1)[0].lower()
    return major if major in ("audio", "image", "video") else "file"


def _run_payload_routes(turn: Turn) -> PayloadRoute | None:
    """The route that consumed the button answer, if any."""
    return next((route for route in _payload_routes if route(turn)), None)


QUEUE_NOTICE_INTERVAL = timedelta(minutes=10)  # at most one "you are in the queue" per interval


def _handled_while_waiting(turn: Turn, cmd: str | None) -> bool:
    """The conversation is queued for a human. True when this message is fully handled.

    Buttons still work (a reminder's "cancelar" must not wait for an attendant; a button
    that starts a journey takes the person out of the queue, see start_flow). `menu` /
    `cancelar` leave the queue. Anything else gets, at most once per interval, a short
    note that the request is in the queue — never silence, never spam."""
    c = turn.conversation
    turn.scratch["queued_protocol"] = c.data.get("protocol")
    if turn.message.payload and _run_payload_routes(turn):
        _settle_misunderstanding(turn)
        return True
    if cmd == "menu":
        _leave_human_queue(turn)
        return False  # the menu is shown by the normal path
    if cmd == "cancel":
        _leave_human_queue(turn)
        return True
    _remind_queue_position(turn)
    return True


def _remind_queue_position(turn: Turn) -> None:
    c = turn.conversation
    now = clock.now()
    told = c.data.get("queue_notice_at")
    last = max(filter(None, [c.escalated_at,
                             datetime.fromisoformat(told) if told else None]), default=None)
    if last is not None and now - last < QUEUE_NOTICE_INTERVAL:
        return
    turn.remember(queue_notice_at=now.isoformat())
    turn.say("handoff/still_waiting", protocol=turn.protocol)


def _answered_by_claiming_state(turn: Turn, cmd: str) -> bool:
    """Give a claimed command word to the current state. Should the state not understand
    it after all ("sair" where only "cancelar" is an answer), the global command runs."""
    c = turn.conversation
    flow = flows().get(c.flow) if c.flow else None
    if flow is None or cmd not in flow.claims.get(c.state, ()):
        return False
    said = len(turn._texts)
    _handle_in_flow(turn)
    if turn._retry is None or turn._rejected:
        return True
    turn._retry = None
    del turn._texts[said:]
    return False


def _kept_open(conversation: Conversation, now: datetime) -> bool:
    """A state may outlive idle expiry until data["keep_until"] (UTC ISO): a reminder waits
    for its "sim"/"cancelar" until the appointment, however long the person takes."""
    until = (conversation.data or {}).get("keep_until")
    return bool(until) and now < datetime.fromisoformat(until)


def is_idle(conversation: Conversation, settings, now: datetime) -> bool:
    """No message for SESSION_IDLE_MINUTES: the next turn starts a fresh session."""
    last = conversation.last_activity_at
    return last is not None and now - last >= timedelta(minutes=settings.session_idle_minutes)


def session_left(conversation: Conversation, settings, now: datetime) -> bool:
    """Nothing live in the conversation for work arriving from outside a turn (a reminder):
    no journey, or one expire_idle_session would close now (idle, not kept open)."""
    if conversation.flow is None:
        return True
    return is_idle(conversation, settings, now) and not _kept_open(conversation, now)


def expire_idle_session(turn: Turn, now: datetime) -> bool:
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


def _leave_human_queue(turn: Turn, number: str | None = None) -> bool:
    """`menu` / `cancelar` / `sair` (or a button starting a journey) while waiting for a
    human: the person is told what became of their request either way.

    Only the person's own request for a person is withdrawn (protocol "cancelado"). A case
    the operator owes — an ANS guarantee, data to correct, a supervisor's decision — stays
    "encaminhado" and listed for the attendants in its place in the queue, while the
    conversation goes back to the bot; the person is told the case goes on. True then."""
    c = turn.conversation
    number = number or c.data.get("protocol")
    protocol = protocols.by_number(turn.session, number) if number else None
    is_open = protocol is not None and not protocols.is_closed(protocol)
    kept = is_open and _owed_by_team(protocol)
    if is_open and not kept:
        protocols.set_status(protocol, "cancelado",
                             "cancelado pelo beneficiário: saiu da fila do atendimento humano")
    c.handoff = None
    c.handoff_reason = None
    turn.end()
    turn.say("handoff/case_continues" if kept else "handoff/left_queue",
             protocol=protocol if is_open else None)
    return kept


def _owed_by_team(protocol: Protocol) -> bool:
    """A forwarded case the team must still act on, as opposed to a mere request for a
    person (the "atendimento humano" protocol, or a journey forwarded only because the
    person asked for someone or the bot did not understand them)."""
    from bot.handoff import HUMAN_JOURNEY

    if protocol.journey == HUMAN_JOURNEY:
        return False
    return (protocol.details or {}).get("handoff") != "request"


def handle_idle(turn: Turn, *, fresh_start: bool = False) -> None:
    """A message with no journey running. `fresh_start`: the session it answered has just
    expired, so a bare answer ("2", "sim", a stale list button) belonged to a question of
    that session — a menu number then would start a journey the person never asked for.
    Only a clear request (or a thanks) is acted on; anything else gets the menu."""
    text = turn.choice
    if turn.scratch.get("media_only"):
        show_menu(turn)  # after "não consigo ouvir áudios… escreva o que precisa"
        return
    option = None if fresh_start else _menu_option(text)
    if option is not None:
        start_flow(turn, option)
        return
    match = intents.detect(text, {f.name: f.intents for f in flows().values() if f.intents})
    if match:
        if not _screened(turn, flows()[match.name]):
            start_flow(turn, flows()[match.name])
        return
    recognized = [f for f in flows().values() if f.recognizer and f.recognizer(text)]
    if recognized:
        if not _screened(turn, recognized[0]):
            start_flow(turn, recognized[0])
        return
    greeting = intents.is_greeting(text) or not text.strip()
    if fresh_start and not greeting and intents.closing(text) != "thanks":
        show_menu(turn)  # "sim", "não", "ok", "2": answers to a question of the expired session
        return
    if _answered_as_closing(turn, text):
        return
    if greeting:
        show_menu(turn, greeting=True)
        return
    from bot import identity

    if identity.refused_while_blocked(turn):
        return  # more CPF digits typed during the lockout: no "não entendi" counting to a handoff
    turn.retry("not_understood_menu", options=_menu_options())


def _screened(turn: Turn, flow: Flow) -> bool:
    return bool(not turn.message.payload and flow.screen and flow.screen(turn))


def _answered_as_closing(turn: Turn, text: str) -> bool:
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


def _menu_option(text: str) -> Flow | None:
    """"2", "2.", "opção 2", "dois", "a segunda opção", "2️⃣" (`bot.choices`)."""
    options = menu_flows()
    index = choices.single(text, len(options))
    if index is not None and 1 <= index <= len(options):
        return options[index - 1]
    return None


def _menu_options() -> list[dict]:
    return [{"number": i, "label": f.menu_label} for i, f in enumerate(menu_flows(), 1)]


def show_menu(turn: Turn, greeting: bool = False) -> None:
    try:
        b = turn.beneficiary
    except RegistryUnavailable:
        b = None  # the operator's API is down: greet without the name rather than fail
    turn.say("menu", greeting=greeting, name=b.first_name if b else None,
             options=_menu_options(), operator=turn.settings.operator_name)


def _handle_in_flow(turn: Turn) -> None:
    from bot import identity

    flow = flows().get(turn.conversation.flow)
    if flow is None:  # a flow removed by a deploy: start over rather than crash
        turn.end()
        show_menu(turn)
        return
    state = turn.conversation.state
    if state in identity.STATES:
        # "Na verdade quero marcar consulta" at the CPF question: the other journey, not a
        # wrong answer (nor a spent attempt). Identity is the conversation's, asked again there.
        target = None if turn.message.payload else _other_journey(turn, flow)
        if target is not None and not _screened(turn, target):
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
        show_menu(turn)
        return
    handler(turn)
    if turn._retry is not None and not turn._rejected:
        # A clear request for another journey beats "I did not understand".
        target = None if turn.message.payload else _other_journey(turn, flow)
        if target is not None:
            if flow.keeps is not None and flow.keeps(turn, target.name):
                turn._rejected = True
                return
            if _screened(turn, target):
                # Said why that cannot be done here; the current question still stands.
                turn._rejected = True
                return
            if target.aside is not None and (turn.identity_confirmed or not target.needs_identity):
                turn._retry = None
                target.aside(turn)
                turn.say("journey_goes_on", protocol=turn.protocol)
                return
            turn._retry = None
            turn.close_protocol("cancelado", "trocou de assunto")
            turn.end()
            start_flow(turn, target)


def start_flow(turn: Turn, flow: Flow, **data) -> None:
    """Enter a journey: the protocol first (ANS), then identity if needed, then its entry."""
    from bot import identity

    c = turn.conversation
    if flow.needs_identity and not turn.identity_confirmed and identity.refused_while_blocked(turn):
        return  # checked first: a refused button must not take the person out of the queue
    if c.handoff == "waiting":  # a button that starts a journey: the person chose the bot
        _leave_human_queue(turn, turn.scratch.get("queued_protocol"))
    # The words that started the journey may already carry answers ("cardiologista em
    # Dourados amanhã"); flows read them from entry_text once identity is settled.
    c.flow, c.state, c.data = flow.name, None, {"entry_text": turn.text, **data}
    if flow.journey:
        protocol = turn.open_protocol(flow.journey)
        turn.say("protocol_opened", number=protocol.number, journey=flow.journey)
    if flow.needs_identity and not turn.identity_confirmed:
        identity.begin(turn, flow)
        return
    flow.entry(turn)


def escalate(turn: Turn, reason: str, *, template: str = "handoff/waiting", owed: bool = True,
             **context) -> None:
    """Queue the conversation for a person. `owed`: the team must act on the case (a flow's
    escalation: guarantee, data to fix, a supervisor's decision) even if the person leaves
    the queue; False for a mere request for a person, which leaving withdraws."""
    from bot.handoff import HUMAN_JOURNEY

    c = turn.conversation
    protocol = turn.protocol
    if protocol is None or protocols.is_closed(protocol):
        # ANS: a request for a person is a request too — its own protocol, told first.
        protocol = turn.open_protocol(HUMAN_JOURNEY)
        turn.say("protocol_opened", number=protocol.number, journey=HUMAN_JOURNEY)
    c.handoff = "waiting"
    c.handoff_reason = reason[:200]
    c.escalated_at = clock.now()
    c.attendant_id = None
    protocols.set_status(protocol, "encaminhado", reason)
    protocol.details = {**(protocol.details or {}), "handoff": "case" if owed else "request"}
    turn._retry = None
    turn.say(template, reason=reason, **context)
    from bot.platform.business_hours import closed_until

    opens = closed_until(turn.settings)
    if opens is not None:  # outside the team's hours: say when a person will answer
        turn.say("handoff/after_hours", opens=opens, today=clock.today())


def _settle_misunderstanding(turn: Turn) -> None:
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
        turn.say("offer_help", options=_menu_options())


def _other_journey(turn: Turn, flow: Flow) -> Flow | None:
    """A clear request (a whole intent phrase) for a journey other than `flow`."""
    match = intents.detect(turn.text, {f.name: f.intents for f in flows().values()
                                       if f.intents and f.name != flow.name}, threshold=101)
    return flows()[match.name] if match else None
