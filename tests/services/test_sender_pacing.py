"""The WhatsApp sender's own limit: replies may run a second ahead of the rate,
campaigns only half as far, so a campaign never keeps a reply waiting."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.outreach import pacing

NOW = datetime(2026, 11, 24, 13, 0)
KEY = "planbot:pace:whatsapp:test:sender"


def _sends_now(redis, rate, urgent, count=1000) -> int:
    sent = 0
    while sent < count and pacing.sender_wait(redis, KEY, rate, urgent, NOW) is None:
        sent += 1
    return sent


def test_replies_burst_at_most_one_second_of_the_rate(rt):
    assert _sends_now(rt.redis, 10, urgent=True) == 11  # now, plus one second's worth
    wait = pacing.sender_wait(rt.redis, KEY, 10, True, NOW)
    assert wait == timedelta(milliseconds=100)  # the next one is a tenth of a second away
    assert pacing.sender_wait(rt.redis, KEY, 10, True, NOW + wait) is None


def test_campaigns_leave_half_a_second_of_the_rate_to_replies(rt):
    assert _sends_now(rt.redis, 10, urgent=False) == 6  # half a second's worth
    assert pacing.sender_wait(rt.redis, KEY, 10, False, NOW) is not None  # campaign held
    assert _sends_now(rt.redis, 10, urgent=True) == 5  # replies still go out at once


def test_a_busy_sender_holds_campaigns_before_their_own_pace_is_consulted(rt):
    _sends_now(rt.redis, 10, urgent=True)  # replies took the whole burst
    assert _sends_now(rt.redis, 10, urgent=False) == 0
