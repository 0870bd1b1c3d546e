"""WhatsApp through Twilio: one sender for the channel, built on twilio's Client."""
from __future__ import annotations

import json
import logging
from datetime import timedelta, timezone

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .base import (
    AmbiguousSendError,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SendResult,
)

log = logging.getLogger(__name__)

WHATSAPP_MAX_BODY = 1600


def wa_address(phone: str) -> str:
    return phone if phone.startswith("whatsapp:") else f"whatsapp:{phone}"


class TwilioWhatsAppSender:
    channel = "whatsapp"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, timeout: float = 15):
        self.from_ = wa_address(from_number)
        self.client = Client(
            account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout)
        )

    def send(self, message: Outgoing, status_callback: str | None) -> SendResult:
        kwargs: dict = {"from_": self.from_, "to": wa_address(message.recipient)}
        if message.content_sid:
            kwargs["content_sid"] = message.content_sid
            if message.content_variables:
                kwargs["content_variables"] = json.dumps(message.content_variables)
        else:
            kwargs["body"] = message.body
        if message.media_urls:
            kwargs["media_url"] = list(message.media_urls)
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            created = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except requests.exceptions.ConnectTimeout as exc:
            # The connection never opened, so Twilio cannot have the message.
            raise RetryableSendError(str(exc)) from exc
        except requests.exceptions.RequestException as exc:
            raise AmbiguousSendError(str(exc)) from exc
        return SendResult(external_id=created.sid, status=created.status)

    def find_sent(self, message: Outgoing) -> SendResult | None:
        """Look for a message Twilio accepted before we could record it (worker died)."""
        try:
            recent = self.client.messages.list(
                to=wa_address(message.recipient), from_=self.from_, limit=50
            )
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except requests.exceptions.RequestException as exc:
            raise RetryableSendError(str(exc)) from exc
        since = message.sending_started_at
        # Twilio stamps creation to the second and our clock may be a little off; a
        # template message has no body of ours to compare, so its window is tighter.
        slack = timedelta(seconds=5) if message.content_sid else timedelta(minutes=2)
        for candidate in recent:
            created = candidate.date_created
            if since is not None and created is not None:
                if created.astimezone(timezone.utc).replace(tzinfo=None) < since - slack:
                    continue
            if message.content_sid or (candidate.body or "") == message.body:
                return SendResult(external_id=candidate.sid, status=candidate.status)
        return None


# Twilio codes that will fail the same way on every retry.
PERMANENT_CODES = {
    21211,  # invalid 'To'
    21408,  # region not enabled
    21610,  # recipient unsubscribed
    21614,  # not a mobile number
    63003,  # invalid WhatsApp number
    63016,  # outside the 24 h window: needs an approved template
    63024,  # invalid message recipient
    63032,  # user's number cannot receive this message
}


def _classify(exc: TwilioRestException) -> Exception:
    status = exc.status or 0
    if status == 429 or status >= 500:
        return RetryableSendError(f"twilio {status} {exc.code}: {exc.msg}")
    return PermanentSendError(str(exc.code or status), str(exc.msg))
