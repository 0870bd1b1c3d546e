"""The channel boundary: handlers produce an Incoming; flows never see Flask or Twilio."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol


@dataclass(frozen=True)
class Attachment:
    url: str
    content_type: str
    # Facts a channel already knows, kept with the message (an e-mail attachment checked
    # and stored at the webhook: sha256, size, kind, filename).
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Incoming:
    channel: str  # "whatsapp" | "email" | "chat"
    sender: str  # normalized address: E.164 phone or lower-case e-mail
    recipient: str
    text: str
    external_id: str
    attachments: tuple[Attachment, ...] = ()
    payload: str | None = None  # button / list-picker id chosen by the person
    profile_name: str | None = None
    raw: dict = field(default_factory=dict)

    @property
    def conversation_key(self) -> str:
        return f"{self.channel}:{self.sender}"


@dataclass(frozen=True)
class Outgoing:
    """What a sender needs to deliver one outbox row."""

    id: int
    channel: str
    recipient: str
    body: str
    subject: str | None
    media_urls: tuple[str, ...]
    content_sid: str | None
    content_variables: dict | None
    sending_started_at: object = None


@dataclass(frozen=True)
class SendResult:
    external_id: str | None
    status: str  # provider status, e.g. "queued"


class RetryableSendError(Exception):
    """The provider certainly did not take the message (429, 5xx, auth/configuration
    errors, no connection): safe to try again later."""


class AmbiguousSendError(Exception):
    """We cannot tell whether the provider took it (timeout after the request left)."""


class PermanentSendError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Sender(Protocol):
    channel: str

    def send(self, message: Outgoing) -> SendResult: ...

    def find_sent(self, message: Outgoing,
                  is_recorded: Callable[[str], bool]) -> SendResult | None:
        """After a crash mid-send: did the provider already accept this message?

        `is_recorded(external_id)` tells whether that provider message already belongs to
        one of our outbox rows, so an identical earlier message is never adopted twice.
        """
        ...
