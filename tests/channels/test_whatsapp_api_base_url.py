"""TWILIO_API_BASE_URL: the WhatsApp sender talks to the configured origin (a fake, a proxy)."""
from __future__ import annotations

import pytest
import responses

from bot.channels.base import Outgoing
from bot.channels.whatsapp import TwilioWhatsAppSender
from bot.platform.config import Settings, SettingsError

SID = "AC" + "0" * 32
MESSAGE = Outgoing(id=1, channel="whatsapp", recipient="+5567999990001", body="oi", subject=None,
                   media_urls=(), content_sid=None, content_variables=None)
CREATED = {"sid": "SM" + "1" * 32, "status": "queued", "body": "oi", "to": "whatsapp:+5567999990001"}


def _send(sender) -> str:
    return sender.send(MESSAGE).external_id


@responses.activate
def test_sender_posts_messages_to_the_configured_base_url():
    url = f"http://127.0.0.1:8099/fake/2010-04-01/Accounts/{SID}/Messages.json"
    responses.post(url, json=CREATED, status=201)
    sender = TwilioWhatsAppSender(SID, "token", "+556730000000",
                                  api_base_url="http://127.0.0.1:8099/fake/")

    assert _send(sender) == CREATED["sid"]
    assert [c.request.url for c in responses.calls] == [url]
    assert "Body=oi" in responses.calls[0].request.body


@responses.activate
def test_finding_a_sent_message_lists_at_the_configured_base_url():
    url = f"http://127.0.0.1:8099/2010-04-01/Accounts/{SID}/Messages.json"
    responses.get(url, json={"messages": [], "next_page_uri": None})
    sender = TwilioWhatsAppSender(SID, "token", "+556730000000",
                                  api_base_url="http://127.0.0.1:8099")

    found = sender.find_sent(MESSAGE, is_recorded=lambda sid: False)

    assert found is None
    assert responses.calls[0].request.url.startswith(url + "?")


@responses.activate
def test_without_the_setting_the_sender_calls_twilio():
    responses.post(f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json",
                   json=CREATED, status=201)

    assert _send(TwilioWhatsAppSender(SID, "token", "+556730000000")) == CREATED["sid"]


def test_setting_is_read_from_the_environment_and_checked(monkeypatch):
    monkeypatch.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:8099")
    assert Settings.from_env().twilio_api_base_url == "http://127.0.0.1:8099"
    monkeypatch.setenv("TWILIO_API_BASE_URL", "")
    assert Settings.from_env().twilio_api_base_url == "https://api.twilio.com"
    monkeypatch.setenv("TWILIO_API_BASE_URL", "127.0.0.1:8099")
    with pytest.raises(SettingsError, match="TWILIO_API_BASE_URL"):
        Settings.from_env()


@responses.activate
def test_the_proxy_environment_is_read_once_at_start_not_per_send(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    responses.post(f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json",
                   json=CREATED, status=201)
    sender = TwilioWhatsAppSender(SID, "token", "+556730000000")
    assert sender.client.http_client.proxy.get("https") == "http://egress.example:3128"

    def environment_read(*args, **kwargs):
        raise AssertionError("the environment was read again for a send")

    monkeypatch.setattr("requests.utils.get_environ_proxies", environment_read)
    monkeypatch.setattr("requests.sessions.get_environ_proxies", environment_read)

    assert _send(sender) == CREATED["sid"]
    assert _send(sender) == CREATED["sid"]
