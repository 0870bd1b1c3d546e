"""The benches' own instruments: the fake Twilio speaks twilio's protocol to the real
sender, and the ledger counts lost, duplicated, reordered and wrong replies."""
from __future__ import annotations

import asyncio
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from conversations import Ledger, Thread  # noqa: E402
from fake_twilio import FakeTwilio, Sent  # noqa: E402

from bot.channels.base import Outgoing, RetryableSendError  # noqa: E402
from bot.channels.whatsapp import TwilioWhatsAppSender  # noqa: E402

ACCOUNT = "AC" + "c" * 32


def _message(body="oi") -> Outgoing:
    return Outgoing(id=7, channel="whatsapp", recipient="+5567980000001", body=body, subject=None,
                    media_urls=(), content_sid=None, content_variables=None)


@pytest.fixture
def fake_twilio():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def started(**options) -> FakeTwilio:
        fake = FakeTwilio(**options)
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
        fakes.append(fake)
        return fake

    fakes: list[FakeTwilio] = []
    yield started
    for fake in fakes:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def test_sender_delivers_to_the_fake_which_records_the_outbox_row(fake_twilio):
    fake = fake_twilio()
    sender = TwilioWhatsAppSender(ACCOUNT, "token", "+556730000000", api_base_url=fake.base_url,
                                  public_base_url="https://bot.example")

    result = sender.send(_message())  # status callback .../webhooks/whatsapp/status?oid=7

    assert [(s.sid, s.to, s.body, s.outbox_id) for s in fake.sent] == [
        (result.external_id, "whatsapp:+5567980000001", "oi", 7)]
    assert sender.find_sent(_message(), is_recorded=lambda sid: False).external_id == result.external_id
    assert sender.find_sent(_message(), is_recorded=lambda sid: True) is None


def test_refused_calls_are_retryable_for_the_sender_and_not_recorded(fake_twilio):
    fake = fake_twilio(failure_rate=1.0)
    sender = TwilioWhatsAppSender(ACCOUNT, "token", "+556730000000", api_base_url=fake.base_url)

    with pytest.raises(RetryableSendError):
        sender.send(_message())
    assert fake.sent == [] and fake.refused == 1


def _reply(body: str, outbox_id: int) -> Sent:
    return Sent(sid=f"SM{outbox_id}", to="whatsapp:+5567980000001", from_="", body=body,
                status_callback=f"https://x/status?oid={outbox_id}", at=0.0,
                created=datetime.now(timezone.utc))


def _ledger(steps: int, replies: list[Sent]) -> dict:
    ledger = Ledger()
    ledger.threads["+5567980000001"] = Thread("+5567980000001", steps=[
        (f"SM{i}", f"step{i}", 0.0) for i in range(steps)])
    for reply in replies:
        ledger.on_sent(reply)
    return ledger.verdict()


def test_ledger_accepts_one_reply_per_step_in_order():
    verdict = _ledger(2, [_reply("a step0", 10), _reply("b step1", 11)])
    assert (verdict["lost"], verdict["duplicated"], verdict["reordered"], verdict["wrong reply"]) == (0, 0, 0, 0)


def test_ledger_counts_a_row_sent_twice_a_missing_reply_and_an_inversion():
    assert _ledger(2, [_reply("step0", 10), _reply("step0", 10), _reply("step1", 11)])["duplicated"] == 1
    assert _ledger(2, [_reply("step0", 10)])["lost"] == 1
    verdict = _ledger(2, [_reply("step1", 11), _reply("step0", 10)])
    assert verdict["reordered"] == 1 and verdict["wrong reply"] == 2
    assert _ledger(1, [_reply("step0", 10), _reply("step0", 12)])["duplicated"] == 1
