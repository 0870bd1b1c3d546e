"""Render time of the console's queue and conversation pages with 10 000 conversations,
1 000 of them waiting for a person, beside a static file served in the same run.

Run: .venv/bin/python bench/console_pages.py [conversations] [waiting] [repeats]
(a throw-away SQLite database and embedded Redis in a temporary directory; the Flask test
client, so the numbers are the app's own time, without network).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 24, 14, 30)


def seed(rt, conversations: int, waiting: int) -> int:
    from sqlalchemy import insert

    from bot.platform import clock
    from bot.engine import accounts
    from storage.db import transaction
    from storage.loader import load_file
    from storage.models import Conversation, InboundMessage, OutboundMessage, Protocol

    with transaction(rt.sessions) as s:
        load_file(s, ROOT / "data" / "demo_operator.json")
        accounts.create_user(s, login="sara@op.com.br", name="Sara", password="senha-do-bench",
                             role="supervisor")
        s.execute(insert(Conversation), [
            {"channel": "whatsapp", "address": f"+55679{i:08d}", "data": {"protocol": f"P{i:09d}"} if i < waiting else {},
             "misunderstandings": 0, "identity_failures": 0, "created_at": NOW,
             "handoff": "waiting" if i < waiting else None,
             "handoff_reason": "pedido do beneficiário" if i < waiting else None,
             "escalated_at": NOW - timedelta(minutes=i % 40) if i < waiting else None}
            for i in range(conversations)])
        s.execute(insert(Protocol), [
            {"number": f"P{i:09d}", "journey": "atendimento_humano", "conversation_id": i + 1,
             "status": "encaminhado", "details": {}, "created_at": NOW, "updated_at": NOW}
            for i in range(waiting)])
        s.execute(insert(InboundMessage), [
            {"channel": "whatsapp", "external_id": f"SM{i}", "conversation_key": "whatsapp:+5567900000000",
             "sender": "+5567900000000", "recipient": "+556730000000", "text": f"mensagem {i} cpf 116.764.967-26",
             "attachments": [], "raw": {}, "status": "processed", "attempts": 0,
             "received_at": NOW - timedelta(seconds=200 - i), "conversation_id": 1} for i in range(100)])
        s.execute(insert(OutboundMessage), [
            {"conversation_id": 1, "channel": "whatsapp", "recipient": "+5567900000000",
             "body": f"resposta {i}", "media": [], "author": "bot", "status": "sent", "attempts": 1,
             "created_at": NOW - timedelta(seconds=199 - i)} for i in range(100)])
    clock.freeze(NOW)
    return 1


def timed(client, path: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 304), (path, response.status_code)
    return times


def main(conversations: int = 10_000, waiting: int = 1_000, repeats: int = 10) -> None:
    from bot import runtime
    from bot.app import create_app
    from bot.platform import clock
    from bot.platform.config import Settings
    from bot.platform.embedded_redis import start_embedded_redis
    from storage.db import make_engine
    from storage.models import Base

    with tempfile.TemporaryDirectory() as tmp:
        server, redis_url = start_embedded_redis(Path(tmp) / "redis.rdb")
        try:
            settings = Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3", redis_url=redis_url,
                                secret_key="bench", console_secure_cookies=False)
            Base.metadata.create_all(make_engine(settings.database_url))
            clock.freeze(NOW)
            app = create_app(settings)
            cid = seed(app.extensions["planbot"], conversations, waiting)
            client = app.test_client()
            import re
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/console/login").get_data(as_text=True)).group(1)
            client.post("/console/login", data={"login": "sara@op.com.br", "password": "senha-do-bench",
                                                "csrf_token": token})
            print(f"{conversations} conversations, {waiting} waiting, {repeats} requests each (ms)")
            for label, path in (("static file", "/console/static/console.css"),
                                ("queue page", "/console/queue"),
                                ("queue rows (poll)", "/console/queue/rows"),
                                ("conversation page", f"/console/conversations/{cid}"),
                                ("transcript (poll)", f"/console/conversations/{cid}/transcript")):
                timed(client, path, 1)  # warm-up
                t = timed(client, path, repeats)
                print(f"  {label:20s} median {statistics.median(t):8.1f}  max {max(t):8.1f}")
        finally:
            clock.freeze(None)
            runtime.install(None)
            server.shutdown()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    main(*args)
