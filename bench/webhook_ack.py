"""How fast is the acknowledgement Twilio waits for, and what does a turn cost?

Prints figures measured in this run, each with a baseline measured in the same run:
- ack: a signed, validated, stored and enqueued webhook vs. a bare Flask endpoint that
  returns the same empty TwiML (the floor any Flask app pays);
- turn: processing one inbound message (lock, engine, outbox, commit) vs. the ack itself.

Run: .venv/bin/python bench/webhook_ack.py [N]   (embedded SQLite + Redis unless
DATABASE_URL / REDIS_URL are set — their database is emptied; nothing leaves this machine).
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, Response  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402
from twilio.twiml.messaging_response import MessagingResponse  # noqa: E402

TOKEN = "bench-token"
PUBLIC = "https://bench.example"
CONVERSATIONS = 50


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def timed(fn, n):
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


@dataclass
class Bench:
    """A planbot web app on an empty database with the demo registry, and its pieces."""

    app: Flask
    db_url: str
    redis_url: str
    embedded_redis: object | None
    workdir: Path

    def __post_init__(self) -> None:
        self.client = self.app.test_client()
        self.validator = RequestValidator(TOKEN)

    @property
    def rt(self):
        return self.app.extensions["planbot"]

    def post_webhook(self, i: int, body: str = "oi") -> None:
        params = {"MessageSid": f"SMbench{i:026d}",
                  "From": f"whatsapp:+55679{i % CONVERSATIONS:08d}",
                  "To": "whatsapp:+556730000000", "Body": body, "NumMedia": "0"}
        signature = self.validator.compute_signature(f"{PUBLIC}/webhooks/whatsapp", params)
        response = self.client.post("/webhooks/whatsapp", data=params,
                                    headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200

    def process_all(self) -> None:
        from bot.pipeline.process import process_conversation
        for i in range(CONVERSATIONS):
            process_conversation(f"whatsapp:+55679{i:08d}", deliver=False)

    def close(self) -> None:
        if self.embedded_redis is not None:
            self.rt.close()
            self.embedded_redis.shutdown()
        shutil.rmtree(self.workdir, ignore_errors=True)  # the SQLite file, Redis' dump


def start() -> Bench:
    workdir = Path(tempfile.mkdtemp(prefix="planbot-bench-"))
    os.environ.setdefault("PLANBOT_VAR_DIR", str(workdir))
    from bot.app import create_app
    from bot.platform.config import Settings
    from bot.platform.embedded_redis import start_embedded_redis
    from storage.db import make_engine, transaction
    from storage.loader import load_file
    from storage.models import Base

    server = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        server, redis_url = start_embedded_redis(workdir / "bench.rdb")
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    Base.metadata.drop_all(make_engine(db_url))
    Base.metadata.create_all(make_engine(db_url))
    settings = Settings(database_url=db_url, redis_url=redis_url, twilio_auth_token=TOKEN,
                        public_base_url=PUBLIC)
    app = create_app(settings)
    app.extensions["planbot"].redis.flushdb()
    with transaction(app.extensions["planbot"].sessions) as s:
        load_file(s, Path(__file__).resolve().parent.parent / "data" / "demo_operator.json")
    return Bench(app, db_url, redis_url, server, workdir)


def main(n: int = 300) -> None:
    bench = start()
    try:
        measure(bench, n)
    finally:
        bench.close()


def measure(bench: Bench, n: int) -> None:
    bare = Flask("baseline")
    twiml = str(MessagingResponse())

    @bare.post("/webhooks/whatsapp")
    def baseline_endpoint():
        return Response(twiml, mimetype="application/xml")

    bare_client = bare.test_client()

    def baseline(i):
        bare_client.post("/webhooks/whatsapp", data={"MessageSid": f"SM{i}", "Body": "oi"})

    timed(baseline, 20)  # warm-up
    base = timed(baseline, n)
    ack = timed(bench.post_webhook, n)

    start_time = time.perf_counter()
    bench.process_all()
    turns = (time.perf_counter() - start_time) * 1000 / n

    print(f"messages: {n} ({'PostgreSQL' if bench.db_url.startswith('postgres') else 'SQLite'}, "
          f"{'Redis ' + bench.redis_url if not bench.embedded_redis else 'embedded Redis'})")
    print(f"baseline bare Flask endpoint: p50 {percentile(base, .5):.2f} ms  p95 {percentile(base, .95):.2f} ms")
    print(f"webhook ack (signature+store+enqueue): p50 {percentile(ack, .5):.2f} ms  "
          f"p95 {percentile(ack, .95):.2f} ms  mean {statistics.mean(ack):.2f} ms")
    print(f"ratio ack / baseline (p50): {percentile(ack, .5) / percentile(base, .5):.1f}x")
    print(f"turn processing (lock+engine+outbox+commit): {turns:.2f} ms per message; "
          f"ratio turn / ack p50: {turns / percentile(ack, .5):.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
