"""A local stand-in for Twilio's Messages API, fast enough to never be the bottleneck.

Answers `POST /2010-04-01/Accounts/{sid}/Messages.json` with 201 and a message SID after
`delay_ms` (Twilio's own answer takes longer; ~1 ms keeps the fake out of the figures) and
records every accepted call (to, body, status callback, monotonic time), so a bench can
match each reply to the inbound message that caused it. `GET .../Messages.json` lists
what was recorded, newest first, filtered by To/From (the sender's `find_sent` uses it).
`failure_rate` answers that share of creates with 429 or 500 without recording them:
Twilio did not take the message, the sender must retry it.

The planbot processes reach it through `TWILIO_API_BASE_URL=http://127.0.0.1:<port>`.
In a bench: `fake = FakeTwilio(...); await fake.start()` inside the bench's event loop.
Alone (to poke at it): `.venv/bin/python bench/fake_twilio.py --port 8099 --failure-rate 0.3`.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

MESSAGES = "/2010-04-01/Accounts/{account}/Messages.json"


@dataclass
class Sent:
    """One message Twilio accepted."""

    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None
    at: float  # time.monotonic() when accepted
    created: datetime

    @property
    def outbox_id(self) -> int | None:
        """Our outbox row id, carried by the status callback URL (`?oid=`)."""
        if not self.status_callback:
            return None
        values = parse_qs(urlsplit(self.status_callback).query).get("oid")
        return int(values[0]) if values else None

    def as_twilio(self, account: str) -> dict:
        return {"sid": self.sid, "account_sid": account, "to": self.to, "from": self.from_,
                "body": self.body, "status": "queued", "direction": "outbound-api",
                "num_media": "0", "num_segments": "1", "error_code": None,
                "error_message": None, "price": None, "api_version": "2010-04-01",
                "date_created": format_datetime(self.created),
                "date_updated": format_datetime(self.created), "date_sent": None,
                "uri": f"{MESSAGES.format(account=account)[:-5]}/{self.sid}.json"}


@dataclass
class FakeTwilio:
    failure_rate: float = 0.0
    delay_ms: float = 1.0
    on_sent: Callable[[Sent], None] | None = None
    seed: int = 17
    sent: list[Sent] = field(default_factory=list)
    by_recipient: dict[str, list[Sent]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0
    listed: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self, port: int = 0) -> int:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{account}/Messages.json", self._list)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self.port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _create(self, request: web.Request) -> web.Response:
        form = await request.post()
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        if not form.get("To") or not (form.get("Body") or form.get("ContentSid")
                                      or form.get("MediaUrl")):
            return _error(400, 21619, "A text message body or media urls must be specified.")
        if self.failure_rate and self._random.random() < self.failure_rate:
            self.refused += 1
            if self._random.random() < 0.5:
                return _error(429, 20429, "Too Many Requests")
            return _error(500, 20500, "Internal Server Error")
        sent = Sent(sid=f"SM{next(self._numbers):032x}", to=form["To"],
                    from_=form.get("From", ""), body=form.get("Body", ""),
                    status_callback=form.get("StatusCallback"), at=time.monotonic(),
                    created=datetime.now(timezone.utc).replace(microsecond=0))
        self.sent.append(sent)
        self.by_recipient[sent.to].append(sent)
        if self.on_sent is not None:
            self.on_sent(sent)
        return web.json_response(sent.as_twilio(request.match_info["account"]), status=201)

    async def _list(self, request: web.Request) -> web.Response:
        self.listed += 1
        account = request.match_info["account"]
        to, from_ = request.query.get("To"), request.query.get("From")
        size = int(request.query.get("PageSize", "50"))
        pool = self.by_recipient.get(to, []) if to else self.sent
        found = [s for s in reversed(pool) if not from_ or s.from_ == from_][:size]
        uri = MESSAGES.format(account=account)
        return web.json_response({
            "messages": [s.as_twilio(account) for s in found], "page": 0, "page_size": size,
            "start": 0, "end": max(len(found) - 1, 0), "uri": uri, "first_page_uri": uri,
            "next_page_uri": None, "previous_page_uri": None})


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                             status=status)


async def _serve(port: int, failure_rate: float, delay_ms: float, seconds: float,
                 verbose: bool) -> None:
    show = (lambda s: print(f"{s.at:.3f} {s.to} {s.body[:60]!r}", flush=True)) if verbose else None
    fake = FakeTwilio(failure_rate=failure_rate, delay_ms=delay_ms, on_sent=show)
    await fake.start(port)
    print(f"fake Twilio on {fake.base_url} (TWILIO_API_BASE_URL), for {seconds:.0f} s", flush=True)
    try:
        await asyncio.sleep(seconds)
    finally:
        await fake.stop()
        print(f"{len(fake.sent)} accepted, {fake.refused} refused, {fake.listed} listed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--failure-rate", type=float, default=0.0)
    parser.add_argument("--delay-ms", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=600, help="stops by itself after this")
    parser.add_argument("--verbose", action="store_true", help="print every accepted message")
    args = parser.parse_args()
    asyncio.run(_serve(args.port, args.failure_rate, args.delay_ms, args.seconds, args.verbose))
