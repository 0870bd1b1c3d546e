"""Closed-loop conversations against a running stack, and the ledger that checks them.

Each of C conversations takes the next synthetic person, sends a signed webhook for the
first step of `people.SCRIPT`, waits until the fake Twilio received the reply (as people
wait), then sends the next step; after the last step it takes the next person. The
ledger keeps, per phone, what was sent and every message the fake Twilio accepted, and
at the end counts replies lost, duplicated, reordered or wrong.
"""
from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import aiohttp
from fake_twilio import Sent
from people import MARKERS, phone, script_for
from stack import BOT_NUMBER, PUBLIC, TOKEN
from twilio.request_validator import RequestValidator

_validator = RequestValidator(TOKEN)
_sids = itertools.count(1)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def signed(path: str, sender: str, body: str, sid: str | None = None) -> tuple[dict, dict]:
    params = {"MessageSid": sid or f"SM{next(_sids):032x}", "AccountSid": "AC" + "b" * 32,
              "From": f"whatsapp:{sender}", "To": f"whatsapp:{BOT_NUMBER}", "Body": body,
              "NumMedia": "0", "ProfileName": "Bench"}
    return params, {"X-Twilio-Signature": _validator.compute_signature(PUBLIC + path, params)}


@dataclass
class Thread:
    """One person's conversation as the bench saw it."""

    phone: str
    steps: list[tuple[str, str, float]] = field(default_factory=list)  # (sid, marker, posted at)
    replies: list[Sent] = field(default_factory=list)
    waiter: asyncio.Event = field(default_factory=asyncio.Event)

    def distinct_replies(self) -> list[Sent]:
        seen, out = set(), []
        for reply in self.replies:
            key = reply.outbox_id if reply.outbox_id is not None else reply.sid
            if key not in seen:
                seen.add(key)
                out.append(reply)
        return out


@dataclass
class Ledger:
    threads: dict[str, Thread] = field(default_factory=dict)
    strangers: int = 0  # replies to phones no conversation of ours wrote from

    def on_sent(self, sent: Sent) -> None:
        thread = self.threads.get(sent.to.removeprefix("whatsapp:"))
        if thread is None:
            self.strangers += 1
            return
        thread.replies.append(sent)
        thread.waiter.set()

    def awaiting(self) -> list[Thread]:
        return [t for t in self.threads.values() if len(t.distinct_replies()) < len(t.steps)]

    def verdict(self) -> dict:
        """Against what was sent: each step must get exactly one reply, in order, and the
        reply must be that step's (its marker text)."""
        lost = duplicated = reordered = wrong = 0
        for thread in self.threads.values():
            distinct = thread.distinct_replies()
            duplicated += len(thread.replies) - len(distinct)  # one outbox row sent twice
            duplicated += max(0, len(distinct) - len(thread.steps))  # a message answered twice
            lost += max(0, len(thread.steps) - len(distinct))
            ids = [r.outbox_id or 0 for r in distinct]
            reordered += sum(1 for a, b in zip(ids, ids[1:]) if b < a)
            wrong += sum(1 for (_, marker, _), reply in zip(thread.steps, distinct)
                         if marker not in reply.body)
        return {"conversations": len(self.threads),
                "sent": sum(len(t.steps) for t in self.threads.values()),
                "replies": sum(len(t.replies) for t in self.threads.values()),
                "lost": lost, "duplicated": duplicated, "reordered": reordered,
                "wrong reply": wrong}


@dataclass
class Run:
    """Figures of one closed-loop run."""

    acks: list[float] = field(default_factory=list)  # ms, messages posted in the window
    latencies: list[float] = field(default_factory=list)  # s, post → Twilio API called
    replies_in_window: int = 0
    window: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    people_exhausted: bool = False

    @property
    def rate(self) -> float:
        return self.replies_in_window / self.window if self.window else 0.0


async def converse(web_url: str, ledger: Ledger, *, conversations: int, seconds: float,
                   people: int, warmup: float = 3.0, drain: float = 30.0,
                   replay: bool = False, reply_timeout: float | None = None) -> Run:
    """Run C closed-loop conversations for `seconds`, then wait up to `drain` s for the
    replies still owed. Figures count what happened after `warmup` s."""
    run = Run()
    path = "/webhooks/whatsapp"
    next_person = itertools.count()
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + seconds
    connector = aiohttp.TCPConnector(limit=0, force_close=True)  # gunicorn sync: no keep-alive
    timeout = aiohttp.ClientTimeout(total=60)

    async def post(session, params, headers) -> float:
        began = time.monotonic()
        async with session.post(web_url + path, data=params, headers=headers) as response:
            await response.read()
            if response.status != 200:
                key = f"HTTP {response.status}"
                run.errors[key] = run.errors.get(key, 0) + 1
        return began

    async def one(session) -> None:
        while time.monotonic() < stop_at:
            i = next(next_person)
            if i >= people:
                run.people_exhausted = True
                return
            thread = ledger.threads.setdefault(phone(i), Thread(phone(i)))
            for body, marker in zip(script_for(i), MARKERS):
                if time.monotonic() >= stop_at:
                    return
                params, headers = signed(path, thread.phone, body)
                thread.waiter.clear()
                thread.steps.append((params["MessageSid"], marker, time.monotonic()))
                try:
                    began = await post(session, params, headers)
                    acked = time.monotonic()
                    if replay:  # Twilio retrying a webhook it thinks failed
                        await post(session, params, headers)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    key = type(exc).__name__
                    run.errors[key] = run.errors.get(key, 0) + 1
                    return  # the message may or may not be stored: this thread stops here
                if began >= measure_from and began < stop_at:
                    run.acks.append((acked - began) * 1000)
                wanted = len(thread.steps)
                give_up = (stop_at + drain) if reply_timeout is None else began + reply_timeout
                while len(thread.distinct_replies()) < wanted:
                    left = give_up - time.monotonic()
                    if left <= 0:
                        return
                    thread.waiter.clear()
                    try:
                        await asyncio.wait_for(thread.waiter.wait(), left)
                    except asyncio.TimeoutError:
                        return
                reply = thread.distinct_replies()[wanted - 1]
                if measure_from <= reply.at < stop_at:
                    run.replies_in_window += 1
                if began >= measure_from:
                    run.latencies.append(reply.at - began)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(one(session) for _ in range(conversations)))
    run.window = stop_at - measure_from
    return run


async def burst(url: str, path: str, *, clients: int, seconds: float, senders: list[str]) -> dict:
    """Back-to-back signed webhooks from `clients` concurrent clients: the ack rate and
    latency an endpoint sustains (no waiting for replies)."""
    acks: list[float] = []
    failures = 0
    stop_at = time.monotonic() + seconds
    cycle = itertools.cycle(senders)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)

    async def client(session) -> None:
        nonlocal failures
        while time.monotonic() < stop_at:
            params, headers = signed(path, next(cycle), "oi")
            began = time.monotonic()
            try:
                async with session.post(url + path, data=params, headers=headers) as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            if ok:
                acks.append((time.monotonic() - began) * 1000)
            else:
                failures += 1

    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    elapsed = time.monotonic() - started
    return {"rate": len(acks) / elapsed, "p50": percentile(acks, .5), "p99": percentile(acks, .99),
            "n": len(acks), "failures": failures}
