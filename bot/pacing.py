"""A messages-per-second limit shared by every worker: one "next send slot" per channel
and sender number, kept in Redis and taken atomically (a Lua script), consulted right
before a campaign message goes to the provider (bot.jobs._deliver_one).

Why not only `not_before`: each campaign spaces its own messages, but a backlog (workers
down, Redis lost the scheduled jobs, the sweeper re-enqueueing everything due at once) or
two campaigns running together would still burst. The slot is the single point every
sender passes through, so the provider never sees two paced messages closer together than
1/rate seconds, whatever the number of workers, campaigns or retries.

Times are integer microseconds from `bot.clock` (so tests can freeze and advance it);
in production every worker's clock must be NTP-synchronised, as the scheduler already
requires. A message that finds no free slot is not sent and not blocked on: its row stays
pending with `not_before` set to the slot's time, and its delivery is enqueued for then.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import clock
from storage.models import Campaign, CampaignTarget, OutboundMessage

_EPOCH = datetime(1970, 1, 1)

# KEYS[1] the sender's slot; ARGV[1] now (µs); ARGV[2] the interval (µs).
# Returns 0 when the caller got the slot (the next one is now + interval), else the
# microseconds until the next free slot. Nothing is reserved for a caller that must wait:
# it comes back at that time and competes again, so a worker that never returns cannot
# leave a hole in the pace.
_TAKE_SLOT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local free_at = tonumber(redis.call('GET', KEYS[1]) or '0')
if free_at <= now then
  -- %.0f: tostring() keeps only 14 significant digits, too few for epoch microseconds
  -- The expiry only cleans up an idle sender; it must outlast the slot by far, since
  -- callers pass their own clock (a frozen test clock runs slower than Redis's).
  redis.call('SET', KEYS[1], string.format('%.0f', now + interval), 'PX', math.floor(interval / 1000) + 3600000)
  return 0
end
return free_at - now
"""


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def interval_micros(rate_per_second: float) -> int:
    """Rounded up, so n + 1 messages never fit in n / rate seconds."""
    return math.ceil(1_000_000 / float(rate_per_second))


def take_slot(redis, key: str, rate_per_second: float, now: datetime | None = None) -> timedelta | None:
    """None if the caller may send now (the slot is taken), else how long to wait."""
    script = redis.register_script(_TAKE_SLOT)
    wait = int(script(keys=[key], args=[_micros(now or clock.now()), interval_micros(rate_per_second)]))
    return None if wait <= 0 else timedelta(microseconds=wait)


def slot_key(rt, channel: str) -> str:
    sender = rt.settings.twilio_whatsapp_from or "local"
    return f"planbot:pace:{channel}:{sender}"


def campaign_rate(session, row: OutboundMessage) -> float | None:
    """The pace of the campaign this row belongs to; None for any other message."""
    rate = session.scalar(select(Campaign.rate_per_second).join(
        CampaignTarget, CampaignTarget.campaign_id == Campaign.id).where(
        CampaignTarget.outbound_id == row.id))
    return float(rate) if rate else None


def hold_until(rt, session, row: OutboundMessage) -> datetime | None:
    """Take a send slot for a campaign row; if none is free, the moment to try again.
    Messages that are not part of a campaign (replies to the person) are never held."""
    rate = campaign_rate(session, row)
    if rate is None:
        return None
    now = clock.now()
    wait = take_slot(rt.redis, slot_key(rt, row.channel), rate, now)
    return None if wait is None else now + wait
