"""WhatsApp through Twilio: one sender for the channel, built on twilio's Client."""
from __future__ import annotations

import json
import logging
from datetime import timedelta, timezone
from typing import Callable

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from .base import (
    AmbiguousSendError,
    Outgoing,
    PermanentSendError,
    RetryableSendError,
    SendResult,
)

log = logging.getLogger(__name__)

WHATSAPP_MAX_BODY = 1600
TWILIO_API_ORIGIN = "https://api.twilio.com"  # where twilio's Client sends Messages calls


def wa_address(phone: str) -> str:
    return phone if phone.startswith("whatsapp:") else f"whatsapp:{phone}"


class RebasedHttpClient(TwilioHttpClient):
    """twilio's HTTP client with https://api.twilio.com replaced by another base URL.

    twilio's Client hard-codes its domains' origins (edge/region only rename the host),
    so the one place every request passes with its full URL is the HTTP client. A local
    fake Twilio (the load benches) or an egress proxy is reached this way.
    """

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self._read_environment_once()

    def _read_environment_once(self) -> None:
        """requests reads the proxy and CA-bundle variables on every call (walking all of
        os.environ twice: ~0.3 ms a send here, more in a container's environment); every
        call goes to one origin, so they are read for it once, at start-up."""
        if self.session is None or not self.session.trust_env:
            return
        found = self.session.merge_environment_settings(self.base_url + "/", self.proxy,
                                                        None, None, None)
        self.proxy = found["proxies"]
        self.session.verify = found["verify"]
        self.session.trust_env = False

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API_ORIGIN + "/"):
            url = self.base_url + url[len(TWILIO_API_ORIGIN):]
        return super().request(method, url, *args, **kwargs)


class TwilioWhatsAppSender:
    channel = "whatsapp"

    def __init__(self, account_sid: str, auth_token: str, from_number: str, timeout: float = 15,
                 public_base_url: str | None = None,
                 api_base_url: str = TWILIO_API_ORIGIN):
        self.from_ = wa_address(from_number)
        self.public_base_url = public_base_url
        self.client = Client(
            account_sid, auth_token,
            http_client=RebasedHttpClient(api_base_url, timeout=timeout),
        )

    def status_callback(self, outbound_id: int) -> str | None:
        """Where Twilio reports this message's delivery (handlers/whatsapp.status_callback)."""
        base = self.public_base_url
        return f"{base}/webhooks/whatsapp/status?oid={outbound_id}" if base else None

    def send(self, message: Outgoing) -> SendResult:
        status_callback = self.status_callback(message.id)
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
        except requests.exceptions.ConnectionError as exc:
            if never_reached_twilio(exc):
                raise RetryableSendError(str(exc)) from exc
            raise AmbiguousSendError(str(exc)) from exc
        except requests.exceptions.RequestException as exc:
            # e.g. ReadTimeout: the request left, Twilio may well have the message.
            raise AmbiguousSendError(str(exc)) from exc
        return SendResult(external_id=created.sid, status=created.status)

    def find_sent(self, message: Outgoing,
                  is_recorded: Callable[[str], bool]) -> SendResult | None:
        """Look for a message Twilio accepted before we could record it (worker died).

        Only messages created since this attempt started count (minus a little clock skew),
        and never one already recorded on an outbox row: the same body sent earlier ("menu"
        twice) is a different message, and adopting its SID would break the unique
        external_id and stall the conversation.
        """
        try:
            recent = self.client.messages.list(
                to=wa_address(message.recipient), from_=self.from_, limit=50
            )
        except TwilioRestException as exc:
            raise _classify(exc) from exc
        except requests.exceptions.RequestException as exc:
            raise RetryableSendError(str(exc)) from exc
        # Twilio lists newest first; oldest first lets an earlier row claim an earlier copy.
        for candidate in reversed(recent):
            if not _created_since(candidate, message.sending_started_at):
                continue
            if not (message.content_sid or (candidate.body or "") == message.body):
                continue  # a template has no body of ours to compare: time only
            if is_recorded(candidate.sid):
                continue
            return SendResult(external_id=candidate.sid, status=candidate.status)
        return None


# Twilio stamps creation to the second and our clock may be a little off Twilio's.
CLOCK_SKEW = timedelta(seconds=5)


def _created_since(candidate, since) -> bool:
    created = candidate.date_created
    if since is None or created is None:
        return True
    return created.astimezone(timezone.utc).replace(tzinfo=None) >= since - CLOCK_SKEW


def never_reached_twilio(exc: requests.exceptions.ConnectionError) -> bool:
    """Connection refused, DNS failure or connect timeout: no byte of the request left.

    A connection reset or a read error may come after Twilio took the message, so those
    stay ambiguous.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)  # urllib3 wraps it in MaxRetryError
    return isinstance(reason, NewConnectionError)


# Message-level Twilio errors: this message to this person will fail the same way on
# every retry, so it is recorded as failed. Anything else that is not 429/5xx (a rotated
# auth token 20003, a wrong account 20404, a sender not configured 63007, ...) is a
# problem of ours that an operator can fix: the message waits and is retried.
PERMANENT_CODES = {
    21211,  # invalid 'To' number
    21408,  # sending to that region is not enabled
    21610,  # recipient unsubscribed (STOP)
    21612,  # 'To' not reachable on this channel
    21614,  # 'To' is not a mobile number
    21617,  # body over 1600 characters
    21619,  # neither body nor media
    21658,  # a parameter over its character limit
    63003,  # not a WhatsApp number
    63013,  # violates WhatsApp's policy
    63016,  # outside the 24 h window: needs an approved template
    63021,  # content rejected by the channel
    63024,  # invalid message recipient
    63032,  # WhatsApp will not deliver this message to this user
}


def _classify(exc: TwilioRestException) -> Exception:
    status = exc.status or 0
    description = f"twilio {status} {exc.code}: {exc.msg}"
    if exc.code in PERMANENT_CODES:
        return PermanentSendError(str(exc.code), str(exc.msg))
    if status != 429 and status < 500:
        log.error("Twilio refused our request (%s): not an error about this message, so "
                  "probably our configuration (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, "
                  "TWILIO_WHATSAPP_FROM); retrying until OUTBOUND_MAX_AGE_HOURS", description)
    return RetryableSendError(description)
