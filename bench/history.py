"""Does stored history slow a turn? Per-message cost with 10 k vs 1 M stored conversations.

A fresh PostgreSQL database on the local server (`planbot_history_<pid>`, dropped at the
end) gets the migrations, the synthetic registry, and past conversations bulk-loaded
server-side (INSERT … SELECT generate_series: per conversation one `conversations` row,
two inbound and two outbound messages, one protocol and its event; none belong to the
people measured). Then, in process (like bench/webhook_ack.py: Flask's test client and
the job functions, an embedded Redis), fresh people go through `people.SCRIPT`, each
message acknowledged and then processed as one turn; the cost per message is measured at
--small stored conversations, the history grown to --large, ANALYZEd, and measured again.

Run: .venv/bin/python bench/history.py [--small 10000] [--large 1000000] [--people 40]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from conversations import percentile, signed  # noqa: E402
from people import phone, registry, script_for  # noqa: E402
from stack import POSTGRES_URL, PUBLIC, TOKEN  # noqa: E402

# Past conversations numbered [first, last]: ids are explicit, so growing the history
# later appends to it; the app's own conversations take ids from LIVE_IDS on. Addresses (+55 61 …) never collide with the measured people's.
LIVE_IDS = 100_000_000
HISTORY = [
    """INSERT INTO conversations (id, channel, address, beneficiary_ref, flow, state, data,
           misunderstandings, identity_failures, last_inbound_at, last_activity_at, created_at)
       SELECT g, 'whatsapp', '+5561' || lpad(g::text, 9, '0'), 'H' || lpad((g / 3)::text, 8, '0'),
              NULL, NULL, '{}', 0, 0, now() - (g %% 400) * interval '1 day',
              now() - (g %% 400) * interval '1 day', now() - (g %% 400) * interval '1 day'
       FROM generate_series(%(first)s::int, %(last)s::int) g""",
    """INSERT INTO inbound_messages (channel, external_id, conversation_key, sender, recipient,
           text, attachments, raw, status, attempts, received_at, processed_at, conversation_id)
       SELECT 'whatsapp', 'SMhist' || g || '_' || k, 'whatsapp:+5561' || lpad(g::text, 9, '0'),
              '+5561' || lpad(g::text, 9, '0'), '+556730000000',
              CASE k WHEN 0 THEN 'oi' ELSE '2a via' END, '[]', '{}', 'processed', 1,
              now() - (g %% 400) * interval '1 day', now() - (g %% 400) * interval '1 day', g
       FROM generate_series(%(first)s::int, %(last)s::int) g, generate_series(0, 1) k""",
    """INSERT INTO outbound_messages (conversation_id, channel, recipient, body, media, author,
           status, external_id, attempts, created_at, sent_at)
       SELECT g, 'whatsapp', '+5561' || lpad(g::text, 9, '0'),
              'Olá! Como posso ajudar? 1. 2ª via de boleto 2. Agendar consulta', '[]', 'bot',
              'delivered', 'SMhist' || g || '_' || k, 1, now() - (g %% 400) * interval '1 day',
              now() - (g %% 400) * interval '1 day'
       FROM generate_series(%(first)s::int, %(last)s::int) g, generate_series(0, 1) k""",
    """INSERT INTO protocols (number, journey, beneficiary_ref, conversation_id, status, details,
           created_at, updated_at)
       SELECT 'H' || lpad(g::text, 19, '0'), 'boleto', 'H' || lpad((g / 3)::text, 8, '0'), g,
              'concluido', '{}', now() - (g %% 400) * interval '1 day', now()
       FROM generate_series(%(first)s::int, %(last)s::int) g""",
    """INSERT INTO protocol_events (protocol_id, status, note, created_at)
       SELECT p.id, 'concluido', NULL, p.created_at FROM protocols p
       WHERE p.conversation_id BETWEEN %(first)s::int AND %(last)s::int""",
]


def grow_history(url: str, first: int, last: int) -> float:
    began = time.monotonic()
    with psycopg.connect(url) as connection:
        for statement in HISTORY:
            connection.execute(statement, {"first": first, "last": last})
        connection.commit()
        connection.autocommit = True
        connection.execute("ANALYZE")  # as autovacuum would, before the turns are timed
    return time.monotonic() - began


def measure(bench, people: range) -> tuple[list[float], list[float]]:
    """Per message: the webhook ack and the turn (process_conversation), in ms."""
    from bot.pipeline.process import process_conversation
    acks, turns = [], []
    for step in range(len(script_for(0))):
        for i in people:
            params, headers = signed("/webhooks/whatsapp", phone(i), script_for(i)[step])
            began = time.perf_counter()
            response = bench.client.post("/webhooks/whatsapp", data=params, headers=headers)
            acked = time.perf_counter()
            assert response.status_code == 200, response.get_data(as_text=True)
            process_conversation(f"whatsapp:{phone(i)}", deliver=False)  # the turn, not Twilio
            turns.append((time.perf_counter() - acked) * 1000)
            acks.append((acked - began) * 1000)
    return acks, turns


def main(args) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="planbot-history-"))
    database = f"planbot_history_{os.getpid()}"
    url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{database}"
    admin = psycopg.connect(POSTGRES_URL, autocommit=True)
    admin.execute(f'CREATE DATABASE "{database}"')
    bench = None
    try:
        os.environ["PLANBOT_VAR_DIR"] = str(tmp)
        from webhook_ack import Bench

        from bot.app import create_app
        from bot.cli import upgrade_database
        from bot.platform import clock
        from bot.platform.config import Settings
        from bot.platform.embedded_redis import start_embedded_redis
        from storage.db import make_engine, transaction
        from storage.loader import load

        upgrade_database(url)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("SELECT setval(pg_get_serial_sequence('conversations', 'id'), %s)",
                               (LIVE_IDS,))
        server, redis_url = start_embedded_redis(tmp / "bench.rdb")
        app = create_app(Settings(database_url=url, redis_url=redis_url,
                                  twilio_auth_token=TOKEN, public_base_url=PUBLIC))
        bench = Bench(app, url, redis_url, server, tmp)
        n = args.people
        with transaction(bench.rt.sessions) as s:
            load(s, registry(3 * n), clock.today())
        loaded = grow_history(url, 1, args.small)
        print(f"{args.small:,} stored conversations loaded in {loaded:.1f} s")
        measure(bench, range(2 * n, 3 * n))  # warm-up: imports, templates, connections
        small = measure(bench, range(0, n))
        loaded = grow_history(url, args.small + 1, args.large)
        print(f"grown to {args.large:,} stored conversations in {loaded:.1f} s "
              f"({args.large * 7:,} rows in all)")
        large = measure(bench, range(n, 2 * n))
        with make_engine(url).connect() as connection:
            size = connection.exec_driver_sql(
                "SELECT pg_size_pretty(pg_database_size(current_database()))").scalar()
        print(f"\nper message, {n} people × {len(script_for(0))} messages each "
              f"(PostgreSQL {size}, embedded Redis):")
        print(f"  {'':<26}{'at ' + format(args.small, ','):>16}{'at ' + format(args.large, ','):>18}{'ratio':>8}")
        for name, index in (("webhook ack", 0), ("turn (process)", 1)):
            for label, p in (("p50", .5), ("p99", .99)):
                a, b = percentile(small[index], p), percentile(large[index], p)
                print(f"  {name + ' ' + label:<26}{a:13.2f} ms{b:15.2f} ms{b / a:7.2f}x")
        a = sum(small[0]) + sum(small[1])
        b = sum(large[0]) + sum(large[1])
        print(f"  {'ack + turn, mean':<26}{a / len(small[0]):13.2f} ms{b / len(large[0]):15.2f} ms"
              f"{b / a:7.2f}x")
    finally:
        if bench is not None:
            bench.close()  # stops the embedded Redis, removes tmp
        make_engine(url).dispose() if "storage.db" in sys.modules else None
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000, help="stored conversations, first")
    parser.add_argument("--large", type=int, default=1_000_000, help="stored conversations, then")
    parser.add_argument("--people", type=int, default=40, help="people measured at each size")
    main(parser.parse_args())
