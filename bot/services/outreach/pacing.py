"""A messages-per-second limit shared by every worker, kept in Redis and taken atomically
(one Lua script), consulted right before a campaign message goes to the provider
(bot.pipeline.deliver, through bot.pipeline.invitations.before_sending).

Why not only `not_before`: each campaign spaces its own messages, but a backlog (workers
down, Redis lost the scheduled jobs, the sweeper re-enqueueing everything due at once) or
two campaigns running together would still burst. The pace is the single point every
sender passes through, whatever the number of workers, campaigns or retries.

Reservations: a message that finds no free slot RESERVES the next one (the sender's
"next free slot" moves on by one interval) and comes back at that moment; then it sends
without competing again. So a backlog of N messages costs N holds and N sends, not the
N² wake-ups of "everybody waits for the same free slot and all but one go back to sleep".

Burst guard: sends themselves go through a GCRA (the token-bucket arithmetic on one
"theoretical arrival time") with a tolerance of BURST_TOLERANCE. Reserved slots are
1/rate apart, but a job woken late (RQ's scheduler wakes jobs in whole seconds; a worker
outage leaves every reserved slot in the past) must not send them all at once: a send
that would exceed the rate by more than the tolerance takes a new slot instead. Hence
the guarantee: in any window of T seconds at most rate × (T + BURST_TOLERANCE) + 1
campaign messages, and the k-th message of a backlog never before k/rate seconds after
the first. A lost reservation (a job that never came back) only leaves an unused slot.

Times are integer microseconds from `bot.platform.clock` (so tests can freeze and advance it);
in production every worker's clock must be NTP-synchronised, as the scheduler already
requires. A message on hold is not blocked on: its row stays pending with `not_before`
set to its slot, and its delivery is enqueued for then.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.platform import clock
from storage.models import Campaign, CampaignTarget, OutboundMessage

_EPOCH = datetime(1970, 1, 1)

# RQ's scheduler moves due jobs to the queue once a second: slots closer than that are
# woken together, and must still go out at the campaign's rate, not one per wake-up.
BURST_TOLERANCE = timedelta(seconds=1)

# KEYS[1] the sender's next free slot; KEYS[2] the sender's GCRA time of sends; KEYS[3]
# this message's reservation. ARGV: now, interval, tolerance (µs). Returns 0 when the
# caller may send now, else the microseconds until its (reserved) slot.
# %.0f: tostring() keeps only 14 significant digits, too few for epoch microseconds.
# Expiries only clean up an idle sender; they outlast the slot by far, since callers pass
# their own clock (a frozen test clock runs slower than Redis's).
_TAKE_SLOT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local keep = 3600000

local function reserve(slot)
  redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', math.floor((slot - now) / 1000) + keep)
  redis.call('SET', KEYS[3], string.format('%.0f', slot), 'PX', math.floor((slot - now) / 1000) + keep)
  return slot - now
end

local held = redis.call('GET', KEYS[3])
if held then
  if tonumber(held) > now then
    return tonumber(held) - now  -- woken early (sweeper, clock skew): its slot stands
  end
else
  local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
  if slot > now then
    return reserve(slot)
  end
  redis.call('SET', KEYS[1], string.format('%.0f', now + interval), 'PX', math.floor(interval / 1000) + keep)
end
-- The slot is due. Burst guard on the sends themselves (GCRA).
local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
if tat - now <= tolerance then
  redis.call('SET', KEYS[2], string.format('%.0f', tat + interval), 'PX', math.floor((tat - now) / 1000) + keep)
  redis.call('DEL', KEYS[3])
  return 0
end
return reserve(math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), tat - tolerance))
"""


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _whole_micros(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def interval_micros(rate_per_second: float) -> int:
    """Rounded up, so n + 1 slots never fit in n / rate seconds."""
    return math.ceil(1_000_000 / float(rate_per_second))


def take_slot(redis, key: str, holder: str, rate_per_second: float, now: datetime | None = None,
              tolerance: timedelta = BURST_TOLERANCE) -> timedelta | None:
    """None if `holder` (one message) may send now, else how long until its reserved slot.
    Asking again before that slot does not reserve another one."""
    script = redis.register_script(_TAKE_SLOT)
    wait = int(script(keys=[key, f"{key}:sent", f"{key}:held:{holder}"],
                      args=[_micros(now or clock.now()), interval_micros(rate_per_second),
                            _whole_micros(tolerance)]))
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
    """Take (or use the reserved) send slot for a campaign row; if it is not due yet, the
    moment to come back. Messages that are not part of a campaign are never held."""
    rate = campaign_rate(session, row)
    if rate is None:
        return None
    now = clock.now()
    wait = take_slot(rt.redis, slot_key(rt, row.channel), str(row.id), rate, now)
    return None if wait is None else now + wait


# -- the sender's own limit (every message, not only campaigns) ---------------------------
# Twilio queues what a WhatsApp sender gets above its throughput (80 messages per second by
# default) and fails it after a while: every send of the sender passes one GCRA. Replies to
# people may run BURST_TOLERANCE ahead of the rate; campaign messages only half as far, so
# the last half second of the sender's throughput is kept for replies and a campaign never
# keeps them waiting: a campaign that finds the sender busy is held, a reply waits its
# (short) turn
# ([0274](../../../docs/decisions/0274-sender-pacing-replies-first.md)).

# KEYS[1] the sender's GCRA time. ARGV: now, interval, tolerance (µs). 0: send now; else
# the microseconds to wait before asking again.
CAMPAIGN_SENDER_TOLERANCE = BURST_TOLERANCE / 2

_SENDER_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
if tat - now <= tolerance then
  redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.floor((tat - now) / 1000) + 60000)
  return 0
end
return tat - now - tolerance
"""


def sender_key(rt, channel: str) -> str:
    return f"{slot_key(rt, channel)}:sender"


def sender_wait(redis, key: str, rate_per_second: float, urgent: bool,
                now: datetime | None = None) -> timedelta | None:
    """None: send now (counted). Otherwise how long to wait before asking again."""
    tolerance = BURST_TOLERANCE if urgent else CAMPAIGN_SENDER_TOLERANCE
    wait = int(redis.register_script(_SENDER_GCRA)(
        keys=[key], args=[_micros(now or clock.now()), interval_micros(rate_per_second),
                          _whole_micros(tolerance)]))
    return None if wait <= 0 else timedelta(microseconds=wait)
