"""Twilio media download: credentials only on this account's exact media URL, never across
the redirect, never to a URL a (forged) webhook names; size cap; truncation; retries."""
from __future__ import annotations

import base64

import pytest
import requests
import responses

from bot.services.attachments.download import (
    MediaRefused,
    RetryableDownloadError,
    download_media,
    twilio_media_ref,
)

from .samples import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CDN_URL,
    MEDIA_SID,
    MEDIA_URL,
    MESSAGE_SID,
    image_bytes,
)

BASIC = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
OTHER_ACCOUNT = "AC" + "f" * 32


def fetch(url: str = MEDIA_URL, **kwargs):
    return download_media(url, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, **kwargs)


def authorization_by_url(mock) -> list[tuple[str, str | None]]:
    return [(call.request.url, call.request.headers.get("Authorization")) for call in mock.calls]


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_the_exact_media_url_of_this_account_is_recognised():
    ref = twilio_media_ref(MEDIA_URL, ACCOUNT_SID)
    assert (ref.account_sid, ref.message_sid, ref.media_sid) == (ACCOUNT_SID, MESSAGE_SID, MEDIA_SID)
    assert twilio_media_ref(MEDIA_URL, ACCOUNT_SID, MESSAGE_SID) == ref


BASE = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}/Media/{MEDIA_SID}"
FORGED_URLS = [
    pytest.param(f"http://api.twilio.com{BASE}", id="plain-http"),
    pytest.param(f"https://evil.example{BASE}", id="other-host"),
    pytest.param(f"https://api.twilio.com.evil.example{BASE}", id="lookalike-suffix"),
    pytest.param(f"https://evilapi.twilio.com{BASE}", id="lookalike-subdomain"),
    pytest.param(f"https://api-twilio.com{BASE}", id="lookalike-dash"),
    pytest.param(f"https://api.twilio.com.{BASE}", id="trailing-dot"),
    pytest.param(f"https://API.TWILIO.COM{BASE}", id="upper-case-host"),
    pytest.param(f"https://api.twilio.com:443{BASE}", id="explicit-port"),
    pytest.param(f"https://api.twilio.com:8443{BASE}", id="other-port"),
    pytest.param(f"https://{ACCOUNT_SID}:{AUTH_TOKEN}@api.twilio.com{BASE}", id="userinfo"),
    pytest.param(f"https://api.twilio.com@evil.example{BASE}", id="host-as-userinfo"),
    pytest.param(f"https://evil.example\\@api.twilio.com{BASE}", id="backslash"),
    pytest.param(f"https://api.twilio.com{BASE}?redirect=https://evil.example", id="query"),
    pytest.param(f"https://api.twilio.com{BASE}#x", id="fragment"),
    pytest.param(f"https://api.twilio.com{BASE}/", id="trailing-slash"),
    pytest.param(f"https://api.twilio.com{BASE}/../../../../evil", id="dot-segments"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/{OTHER_ACCOUNT}/Messages/"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}", id="other-account"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID.lower()}/Messages/"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}", id="sid-case"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/%41C{'0' * 32}/Messages/"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}", id="percent-encoded-sid"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}%2FMessages%2F"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}", id="percent-encoded-slash"),
    pytest.param(f"https://api.twilio.com//2010-04-01/Accounts/{ACCOUNT_SID}/Messages/"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}", id="double-slash"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}.json", id="media-json"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/"
                 f"{MESSAGE_SID}.json", id="message-resource"),
    pytest.param(f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/"
                 f"{MESSAGE_SID}/Media/{MEDIA_SID}", id="other-resource"),
    pytest.param(f" https://api.twilio.com{BASE}", id="leading-blank"),
    pytest.param(f"https://api.twilio.com{BASE}\n", id="trailing-newline"),
    pytest.param(f"https://[::1]{BASE}", id="ip-literal"),
    pytest.param("file:///etc/passwd", id="file-scheme"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("url", FORGED_URLS)
def test_any_other_url_is_refused_without_any_request(mock, url):
    with pytest.raises(MediaRefused) as refused:
        fetch(url)
    assert refused.value.reason_code == "untrusted_url"
    assert len(mock.calls) == 0  # nothing fetched: no token sent, no internal address probed


def test_media_of_another_message_is_refused_when_the_message_is_known(mock):
    with pytest.raises(MediaRefused):
        fetch(message_sid="MM" + "9" * 32)
    assert len(mock.calls) == 0


def test_credentials_go_to_twilio_only_and_never_follow_the_redirect_to_the_cdn(mock):
    body = image_bytes()
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=body, content_type="image/jpeg")

    downloaded = fetch()

    assert downloaded.body == body
    assert downloaded.declared_type == "image/jpeg"
    assert authorization_by_url(mock) == [(MEDIA_URL, BASIC), (CDN_URL, None)]


def test_a_redirect_back_to_a_twilio_url_carries_no_credentials_either(mock):
    other = MEDIA_URL.replace(MEDIA_SID, "ME" + "3" * 32)
    mock.get(MEDIA_URL, status=302, headers={"Location": other})
    mock.get(other, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=b"%PDF-1.4 tiny")

    fetch()

    assert authorization_by_url(mock) == [(MEDIA_URL, BASIC), (other, None), (CDN_URL, None)]


def test_a_netrc_entry_for_the_cdn_does_not_put_credentials_on_the_cdn_request(
        mock, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine mms.twiliocdn.com login someone password leaked\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=b"x" * 10)

    fetch()

    assert authorization_by_url(mock)[1] == (CDN_URL, None)


def test_a_redirect_to_plain_http_is_refused_before_following_it(mock):
    mock.get(MEDIA_URL, status=307, headers={"Location": "http://mms.twiliocdn.com/x"})
    with pytest.raises(MediaRefused) as refused:
        fetch()
    assert refused.value.reason_code == "insecure_redirect"
    assert len(mock.calls) == 1


def test_endless_redirects_are_refused(mock):
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, status=302, headers={"Location": CDN_URL})
    with pytest.raises(MediaRefused) as refused:
        fetch()
    assert refused.value.reason_code == "too_many_redirects"


def test_a_404_right_after_the_webhook_is_retryable_and_the_next_try_succeeds(mock):
    body = image_bytes()
    mock.get(MEDIA_URL, status=404, json={"code": 20404})
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=body)

    with pytest.raises(RetryableDownloadError) as first:
        fetch()
    assert first.value.reason_code == "http_404"
    assert fetch().body == body
    assert [url for url, _ in authorization_by_url(mock)] == [MEDIA_URL, MEDIA_URL, CDN_URL]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_server_trouble_is_retryable(mock, status):
    mock.get(MEDIA_URL, status=status)
    with pytest.raises(RetryableDownloadError):
        fetch()


def test_an_expired_cdn_link_is_retryable_so_twilio_is_asked_again(mock):
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, status=403)
    with pytest.raises(RetryableDownloadError):
        fetch()


def test_a_definitive_client_error_is_refused(mock):
    mock.get(MEDIA_URL, status=410)
    with pytest.raises(MediaRefused) as refused:
        fetch()
    assert refused.value.reason_code == "unavailable"


@pytest.mark.parametrize("error", [requests.ConnectTimeout(), requests.ReadTimeout(),
                                   requests.ConnectionError()])
def test_timeouts_and_lost_connections_are_retryable(mock, error):
    mock.get(MEDIA_URL, body=error)
    with pytest.raises(RetryableDownloadError):
        fetch()


def test_an_oversized_file_announced_by_content_length_is_refused_unread(mock):
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=b"x" * 2048, auto_calculate_content_length=True)
    with pytest.raises(MediaRefused) as refused:
        fetch(max_bytes=1024)
    assert refused.value.reason_code == "too_large"


def test_an_oversized_stream_without_content_length_is_cut_at_the_cap(mock):
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=b"x" * (300 * 1024))  # no Content-Length header
    with pytest.raises(MediaRefused) as refused:
        fetch(max_bytes=200 * 1024)
    assert refused.value.reason_code == "too_large"


def test_exactly_the_cap_is_accepted(mock):
    mock.get(MEDIA_URL, body=b"x" * 1024, auto_calculate_content_length=True)
    assert len(fetch(max_bytes=1024).body) == 1024


def test_a_truncated_download_is_refused(mock):
    mock.get(MEDIA_URL, status=307, headers={"Location": CDN_URL})
    mock.get(CDN_URL, body=b"x" * 1000, headers={"Content-Length": "5000"})
    with pytest.raises(MediaRefused) as refused:
        fetch()
    assert refused.value.reason_code == "truncated"


def test_an_empty_body_is_refused(mock):
    mock.get(MEDIA_URL, body=b"")
    with pytest.raises(MediaRefused) as refused:
        fetch()
    assert refused.value.reason_code == "truncated"


def test_a_body_that_does_not_decompress_is_refused(mock):
    mock.get(MEDIA_URL, body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(MediaRefused) as refused:
        fetch()
    assert refused.value.reason_code == "truncated"


def test_on_the_wire_the_cdn_never_receives_the_authorization_header():
    """Over real TCP (a loopback server standing in for both hosts), not only as recorded
    by the mock: what each host actually received."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit, urlunsplit

    from requests.adapters import HTTPAdapter

    body = image_bytes()
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            received.append((self.headers["Host"], self.path, self.headers.get("Authorization")))
            if self.headers["Host"] == "api.twilio.com":
                self.send_response(307)
                self.send_header("Location", CDN_URL)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Loopback(HTTPAdapter):
        def send(self, request, **kwargs):
            parts = urlsplit(request.url)
            request.headers["Host"] = parts.netloc
            request.url = urlunsplit(("http", f"127.0.0.1:{port}", parts.path, parts.query, ""))
            return super().send(request, **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http = requests.Session()
    http.mount("https://", Loopback())
    try:
        assert fetch(http=http).body == body
    finally:
        server.shutdown()
        server.server_close()
    cdn = urlsplit(CDN_URL)
    assert received == [("api.twilio.com", BASE, BASIC),
                        (cdn.netloc, f"{cdn.path}?{cdn.query}", None)]
