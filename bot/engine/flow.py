"""What a journey is to the engine: a Flow (entry, states, hooks) and the set of them.

In the style of python-telegram-bot's ConversationHandler: an entry, named states with a
handler each, and the engine's fallbacks (global commands, misunderstanding, idle expiry,
identity gate, handoff). Journeys are listed explicitly (`bot.flows.catalog`), never
registered by importing a module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:
    from bot.engine.turn import Turn

Handler = Callable[["Turn"], None]
PayloadRoute = Callable[["Turn"], bool]


@dataclass(frozen=True)
class File:
    """A file the person sent that was checked and stored (bot.services.attachments);
    flows see only this, never where it came from."""

    attachment_id: int
    kind: str  # pdf | image
    mime: str
    size: int
    filename: str | None = None


@dataclass(frozen=True)
class Message:
    """The part of an inbound message a flow may look at."""

    text: str
    payload: str | None = None
    attachments: tuple = ()
    external_id: str | None = None
    files: tuple[File, ...] = ()  # accepted and stored, in the message's order
    refused: tuple[str, ...] = ()  # one refusal reason code per file not accepted


@dataclass(frozen=True)
class MenuEntry:
    order: int
    label: str


@dataclass(frozen=True)
class FirstWords:
    """Words that name one journey outright ("maioridade", "cobraram a mais"): tried on a
    first message before every journey's `intents` and before the out-of-scope answers,
    journeys by `rank` (lowest first), the first that matches starting (decision 0320)."""

    rank: int
    phrases: tuple[str, ...] = ()  # found as bot.language.phrases finds them
    patterns: tuple[str, ...] = ()  # regular expressions over the normalized text

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            re.compile(pattern)  # a bad one stops the start-up, not a first message


@dataclass
class Hooks:
    """The few places a journey may change the engine's general policy.

    recognizer(text) -> bool: an extra free-text trigger (a specialty's name).
    screen(turn) -> bool: run on free text about to start (or switch to) the journey;
        True when it answered the message itself because the journey could do nothing
        (a specialty it cannot book): no protocol, no identity check, state unchanged.
    on_leave(turn) -> note | (status, note) | None: what the protocol's history adds when
        the person leaves midway (sair, another journey, idle); (status, note) when an
        outcome was reached before leaving.
    keeps(turn, other_journey) -> bool: a not-understood message reads as a request for
        another journey but is this journey's own business ("me manda o boleto" in the
        negotiation); the state's question stands, not counted as a misunderstanding.
    aside(turn): a look-up ("meus protocolos") answered in the middle of another journey
        without touching its state.
    team_reply(reply): an internal team answered by e-mail a case of this journey sent
        with bot.services.teams.send_case (`reply` is a teams.TeamReply: protocol, text,
        attachment ids, tell_beneficiary(), set_status()). The answer is already in the
        protocol's history; the hook moves the case on where the journey says so.
    claim(turn) -> bool: run on every message that arrives with no journey running,
        before the menu and intent routing; True when the journey took the message because
        of WHO sent it (a provider replying to outreach), so it never reaches the
        beneficiary journeys. It must be cheap and say False for anyone else.
    """

    recognizer: Callable[[str], bool] | None = None
    screen: Callable[["Turn"], bool] | None = None
    on_leave: Callable[["Turn"], str | tuple[str, str] | None] | None = None
    keeps: Callable[["Turn", str], bool] | None = None
    aside: Handler | None = None
    team_reply: Callable[[object], None] | None = None
    claim: Callable[["Turn"], bool] | None = None


@dataclass
class Button:
    route: PayloadRoute
    standalone: bool  # answers a message of its own (a reminder), not the session


class Flow:
    def __init__(self, name: str, *, journey: str | None, needs_identity: bool,
                 intents: Iterable[str] = (), first_words: FirstWords | None = None,
                 menu: MenuEntry | None = None,
                 identity_alternatives: bool = False, identity_notice: str | None = None,
                 invitation: tuple[str, str] | None = None):
        self.name = name
        self.journey = journey  # the protocol's journey; None: no protocol of its own
        self.needs_identity = needs_identity
        self.intents = list(intents)
        self.first_words = first_words
        self.menu = menu
        self.identity_alternatives = identity_alternatives
        self.identity_notice = identity_notice  # template said before the identity check
        # (campaign kind, state): an outbound campaign of that kind invites people into
        # this journey, whose answer that state reads (see `invite`).
        self.invitation = invitation
        self.hooks = Hooks()
        self.entry: Handler | None = None
        self.states: dict[str, Handler] = {}
        self.claims: dict[str, frozenset[str]] = {}  # state -> global commands it answers
        self.file_states: set[str] = set()  # states whose question asks for files
        self.buttons: list[Button] = []
        self.due_work: list[Callable] = []

    def on_entry(self, fn: Handler) -> Handler:
        self.entry = fn
        return fn

    def state(self, name: str, *, claims: set[str] = frozenset(),
              files: bool = False) -> Callable[[Handler], Handler]:
        """Register a state. `claims`: global commands ("cancel", ...) whose words this
        state's own prompt offers as answers ("responda *cancelar* para desmarcar"); the
        engine hands them to the state instead of acting on them. `files`: the state asks
        for documents, so files sent there are its answer (`turn.files`)."""
        def register(fn: Handler) -> Handler:
            self.states[name] = fn
            self.claims[name] = frozenset(claims)
            if files:
                self.file_states.add(name)
            return fn
        return register

    def hook(self, name: str) -> Callable:
        """Set one of `Hooks` by decorator: `@flow.hook("screen")`."""
        if name not in Hooks.__dataclass_fields__:
            raise ValueError(f"unknown hook {name!r}")

        def register(fn: Callable) -> Callable:
            setattr(self.hooks, name, fn)
            return fn
        return register

    def button(self, fn: PayloadRoute | None = None, *, standalone: bool = False):
        """A handler for button answers that must work in any state (a reminder's
        confirm/cancel); it returns True when it consumed the message."""
        def register(route: PayloadRoute) -> PayloadRoute:
            self.buttons.append(Button(route, standalone))
            return route
        return register(fn) if fn is not None else register

    def due(self, fn: Callable) -> Callable:
        """Time-driven work `fn(runtime)` the sweeper runs (reminders, agreements). It
        must be idempotent: a sweep can run on several workers at once and after a crash."""
        self.due_work.append(fn)
        return fn

    def takes_files(self, state: str | None) -> bool:
        return state in self.file_states

    def invite(self, conversation) -> None:
        """The entry point for a campaign invitation that has just gone out: the
        conversation waits for its answer in this journey, in a fresh session."""
        conversation.flow, conversation.state, conversation.data = (
            self.name, self.invitation[1], {})

    def awaits_invitation_answer(self, conversation) -> bool:
        return (self.invitation is not None and conversation.flow == self.name
                and conversation.state == self.invitation[1])

    def __repr__(self) -> str:
        return f"Flow({self.name!r})"


@dataclass
class Journeys:
    """The journeys a deployment offers, in menu order where they have a menu entry."""

    flows: tuple[Flow, ...]
    _by_name: dict[str, Flow] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {f.name: f for f in self.flows}
        if len(self._by_name) != len(self.flows):
            raise ValueError("two journeys share a name")
        ranks = [f.first_words.rank for f in self.flows if f.first_words]
        if len(set(ranks)) != len(ranks):
            raise ValueError("two journeys share a first-words rank")

    def __iter__(self) -> Iterator[Flow]:
        return iter(self.flows)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Flow:
        return self._by_name[name]

    def get(self, name: str | None) -> Flow | None:
        return self._by_name.get(name) if name else None

    def menu(self) -> list[Flow]:
        return sorted((f for f in self.flows if f.menu is not None), key=lambda f: f.menu.order)

    def by_first_words(self) -> list[Flow]:
        return sorted((f for f in self.flows if f.first_words), key=lambda f: f.first_words.rank)

    def intent_table(self, *, besides: Flow | None = None) -> dict[str, list[str]]:
        return {f.name: f.intents for f in self.flows if f.intents and f is not besides}

    def buttons(self) -> list[Button]:
        return [b for f in self.flows for b in f.buttons]

    def for_campaign(self, kind: str) -> Flow | None:
        return next((f for f in self.flows if f.invitation and f.invitation[0] == kind), None)

    def due_work(self) -> list[Callable]:
        return [fn for f in self.flows for fn in f.due_work]
