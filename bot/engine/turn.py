"""One turn: an inbound message read, state changed and replies queued, in one transaction.

Everything a turn does is written through the caller's SQLAlchemy session, so the reply,
the state change and any business effect commit together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from bot.engine import entry, handoff
from bot.engine.flow import Journeys, Message
from bot.language.templates import render
from bot.language.text import normalize
from bot.platform import clock
from bot.registry.base import BeneficiaryInfo
from bot.services import outbox, protocols
from storage.models import Conversation, Protocol


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
    def journeys(self) -> Journeys:
        return self.runtime.journeys

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
    def files(self) -> tuple:
        """The files of this message that were accepted and stored (engine.File)."""
        return self.message.files

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
        """Queue text for the person; texts of one turn go out as one WhatsApp message.
        Templates may branch on `channel` (shorter texts by e-mail)."""
        context.setdefault("channel", self.conversation.channel)
        self._texts.append(render(template, **context))

    def say_media(self, template: str, /, media: list[dict], **context) -> None:
        self.flush()
        context.setdefault("channel", self.conversation.channel)
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
        # A second request of the message that started this journey outlives it (offered
        # when it ends, bot/engine/offers.py); nothing else does.
        self.conversation.data = {k: v for k, v in (self.conversation.data or {}).items()
                                  if k in entry.CARRIED}

    def start_flow(self, name: str, **data) -> None:
        entry.start_flow(self, self.journeys[name], **data)

    def escalate(self, reason: str, *, template: str = "handoff/waiting", owed: bool = True,
                 **context) -> None:
        handoff.escalate(self, reason, template=template, owed=owed, **context)

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
            flow = self.journeys.get(self.conversation.flow)
            left = flow.hooks.on_leave(self) if flow is not None and flow.hooks.on_leave else None
            if isinstance(left, tuple):  # the journey reached an outcome before leaving
                status, left = left
            if left:
                note = f"{note}; {left}" if note else left
        protocols.set_status(protocol, status, note)
