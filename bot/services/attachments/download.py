"""Fetches one inbound WhatsApp media item from Twilio, in the worker.

Twilio serves media at `https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/
{MessageSid}/Media/{MediaSid}` behind HTTP basic auth and answers with a redirect to a
short-lived CDN URL. The account's credentials go to that exact URL of OUR account and to
nothing else: a URL of any other shape is refused without a request (a forged or
misrouted callback must never make the worker send the token anywhere, nor fetch an
arbitrary address from inside our network), and the redirect is followed by hand,
without credentials.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase

TWILIO_API_HOST = "api.twilio.com"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # WhatsApp's media cap
DEFAULT_TIMEOUT = (5.0, 20.0)  # (connect, between two reads), seconds
DEFAULT_DEADLINE_SECONDS = 60.0  # the whole download, so a trickling server cannot hold a worker
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024

_ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
_MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-f]{32}")
_MEDIA_SID = re.compile(r"ME[0-9a-f]{32}")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_STATUSES = frozenset({404, 408, 409, 425, 429})


class DownloadError(Exception):
    def __init__(self, reason_code: str, detail: str = ""):
        super().__init__(f"{reason_code}: {detail}" if detail else reason_code)
        self.reason_code = reason_code
        self.detail = detail


class RetryableDownloadError(DownloadError):
    """Worth trying again later (RQ Retry with backoff): Twilio still propagating the media
    (404 right after the webhook), a timeout, a 5xx, no connection. After the last try the
    person is asked to send the file again."""


class MediaRefused(DownloadError):
    """Never worth retrying: the URL is not our account's Twilio media, the file is larger
    than the cap, or the download came out truncated. Nothing was stored.

    reason_code: untrusted_url | insecure_redirect | too_many_redirects | too_large |
    truncated | unavailable
    """


@dataclass(frozen=True)
class TwilioMediaRef:
    account_sid: str
    message_sid: str
    media_sid: str

    @property
    def url(self) -> str:
        return (f"https://{TWILIO_API_HOST}/2010-04-01/Accounts/{self.account_sid}"
                f"/Messages/{self.message_sid}/Media/{self.media_sid}")


@dataclass(frozen=True)
class DownloadedMedia:
    body: bytes
    declared_type: str | None  # what the server said; inspect.py decides by the bytes
    media: TwilioMediaRef


def twilio_media_ref(url: str, account_sid: str, message_sid: str | None = None
                     ) -> TwilioMediaRef | None:
    """The media this URL names when it is exactly one of `account_sid`'s media URLs
    (and of `message_sid`'s, when given); None for anything else.

    Strict on purpose: https only, host exactly api.twilio.com with no port and no
    userinfo, no query or fragment, the path's eight segments with well-formed SIDs, and
    the whole string equal to the URL rebuilt from those parts, so that case games,
    percent-encoding ('%2F', '%41C…'), dot segments, doubled slashes, a trailing dot on
    the host or a backslash can never make a look-alike pass.
    """
    if not isinstance(url, str) or not _ACCOUNT_SID.fullmatch(account_sid or ""):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unparsable port or bracketed host
        return None
    if (parts.scheme != "https" or parts.netloc != TWILIO_API_HOST
            or parts.hostname != TWILIO_API_HOST or port is not None
            or parts.username is not None or parts.password is not None
            or parts.query or parts.fragment):
        return None
    segments = parts.path.split("/")
    if len(segments) != 8 or segments[0] != "":
        return None
    _, version, accounts, account, messages, message, media, media_sid = segments
    if (version, accounts, messages, media) != ("2010-04-01", "Accounts", "Messages", "Media"):
        return None
    if account != account_sid or not _MESSAGE_SID.fullmatch(message) \
            or not _MEDIA_SID.fullmatch(media_sid):
        return None
    if message_sid is not None and message != message_sid:
        return None
    ref = TwilioMediaRef(account, message, media_sid)
    return ref if ref.url == url else None


class _NoCredentials(AuthBase):
    """Explicitly no Authorization header. Passing auth=None would let requests add
    credentials of its own for the CDN host (from ~/.netrc when trust_env is on)."""

    def __call__(self, request):
        request.headers.pop("Authorization", None)
        return request


def download_media(url: str, *, account_sid: str, auth_token: str,
                   message_sid: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                   timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                   deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
                   http: requests.Session | None = None) -> DownloadedMedia:
    """The media's bytes, at most `max_bytes` of them.

    Raises MediaRefused (final) or RetryableDownloadError (try again later).
    """
    media = twilio_media_ref(url, account_sid, message_sid)
    if media is None:
        raise MediaRefused("untrusted_url", "not this account's Twilio media URL; not fetched")
    own_session = http is None
    http = http or requests.Session()
    started = time.monotonic()
    try:
        response = _send(http, media.url, timeout, credentials=(account_sid, auth_token))
        for _ in range(MAX_REDIRECTS + 1):
            if response.status_code not in _REDIRECTS:
                break
            target = _redirect_target(response)
            response.close()
            # Credentials belonged to the first request only, whatever the target.
            response = _send(http, target, timeout)
        else:
            response.close()
            raise MediaRefused("too_many_redirects", f"more than {MAX_REDIRECTS}")
        with response:
            _raise_for_status(response)
            body = _read_capped(response, max_bytes, started, deadline_seconds)
            return DownloadedMedia(body=body, declared_type=response.headers.get("Content-Type"),
                                   media=media)
    except requests.Timeout as exc:
        raise RetryableDownloadError("timeout", str(exc)) from exc
    except requests.ConnectionError as exc:
        raise RetryableDownloadError("connection", str(exc)) from exc
    except requests.exceptions.ContentDecodingError as exc:
        raise MediaRefused("truncated", f"undecodable body: {exc}") from exc
    except requests.RequestException as exc:  # an unparsable Location, a bad header…
        raise RetryableDownloadError("request_failed", str(exc)) from exc
    finally:
        if own_session:
            http.close()


def _send(http: requests.Session, url: str, timeout,
          credentials: tuple[str, str] | None = None) -> requests.Response:
    auth = credentials if credentials is not None else _NoCredentials()
    prepared = http.prepare_request(requests.Request("GET", url, auth=auth))
    if credentials is None and "Authorization" in prepared.headers:
        # Checked, not assumed: no hook, adapter default or refactor may put a token here.
        raise MediaRefused("untrusted_url", "credentials would leave Twilio's media URL")
    return http.send(prepared, stream=True, timeout=timeout, allow_redirects=False)


def _redirect_target(response: requests.Response) -> str:
    location = response.headers.get("Location")
    if not location:
        raise RetryableDownloadError("bad_redirect", f"{response.status_code} without Location")
    target = urljoin(response.url, location)
    if urlsplit(target).scheme != "https":
        raise MediaRefused("insecure_redirect", "the media would travel unencrypted")
    return target


def _raise_for_status(response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in _RETRYABLE_STATUSES or status >= 500 or status in (401, 403):
        # 404: Twilio still propagating; 401/403: credentials being rotated or an expired
        # CDN link, which the next try asks Twilio for afresh.
        raise RetryableDownloadError(f"http_{status}", response.reason or "")
    raise MediaRefused("unavailable", f"HTTP {status}")


def _read_capped(response: requests.Response, max_bytes: int, started: float,
                 deadline_seconds: float) -> bytes:
    declared = response.headers.get("Content-Length")
    expected = int(declared) if declared and declared.isdigit() else None
    if expected is not None and expected > max_bytes:
        raise MediaRefused("too_large", f"{expected} bytes announced, limit {max_bytes}")
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise MediaRefused("too_large", f"more than {max_bytes} bytes")
            if time.monotonic() - started > deadline_seconds:
                raise RetryableDownloadError("timeout", f"over {deadline_seconds:.0f} s")
    except requests.exceptions.ChunkedEncodingError as exc:
        # urllib3 enforces Content-Length: the connection ended before the announced size.
        raise MediaRefused("truncated", str(exc)) from exc
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    if expected is not None and not encoded and len(body) != expected:
        raise MediaRefused("truncated", f"{len(body)} of {expected} bytes")
    if not body:
        raise MediaRefused("truncated", "empty body")
    return bytes(body)
