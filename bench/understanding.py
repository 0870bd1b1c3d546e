"""How well does the bot understand what people write? The corpus (tests/corpus/, see
docs/corpus.md) measured against the real engine and readers.

Prints, for first messages: per-label recall and precision, every misroute (a journey
started other than the one asked for) grouped by pattern, and the requests that started
nothing; for slot answers: accuracy per reader and every answer read wrongly.

Run: .venv/bin/python bench/understanding.py   (always an embedded SQLite + Redis in a
temporary directory, with the demo operator's data and Twilio mocked: nothing leaves this
machine and no shared database is touched). Same checks as tests/language/test_corpus.py.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="planbot-understanding-"))
    os.environ.setdefault("PLANBOT_VAR_DIR", str(workdir))
    import responses

    from bot.app import create_app
    from bot.cli import DEMO_FILE
    from bot.platform import clock
    from bot.platform.config import Settings
    from bot.platform.embedded_redis import start_embedded_redis
    from storage.db import make_engine, transaction
    from storage.loader import load_file
    from storage.models import Base
    from tests.conftest import (
        ACCOUNT_SID,
        AUTH_TOKEN,
        BOT_NUMBER,
        FROZEN_NOW,
        MARIA,
        PUBLIC_URL,
        TwilioFake,
        WhatsApp,
    )
    from tests.language.corpus import (
        RoutingScore,
        format_routing,
        format_slots,
        load_first_messages,
        load_slot_cases,
        route_all,
        run_slots,
    )

    first_messages, slot_cases = load_first_messages(), load_slot_cases()
    server, redis_url = start_embedded_redis(workdir / "understanding.rdb")
    db_url = f"sqlite:///{workdir / 'understanding.sqlite3'}"
    Base.metadata.create_all(make_engine(db_url))
    # The test suite's settings and frozen day (tests/conftest.py): the same answers here
    # as in tests/language/test_corpus.py.
    settings = Settings(
        database_url=db_url, redis_url=redis_url, secret_key="bench-secret",
        public_base_url=PUBLIC_URL, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=BOT_NUMBER, operator_ans_code="123456", operator_name="Plano Demo",
        send_retry_intervals=(0, 0, 0))
    clock.freeze(FROZEN_NOW)
    app = create_app(settings)
    rt = app.extensions["planbot"]
    try:
        rt.redis.flushdb()
        with transaction(rt.sessions) as s:
            load_file(s, DEMO_FILE)
        started = time.perf_counter()
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            wa = WhatsApp(app.test_client(), rt, TwilioFake(mock))
            score = RoutingScore(route_all(first_messages, lambda text: wa.say(MARIA, text), rt, MARIA))
        routed_in = time.perf_counter() - started
        slots = run_slots(slot_cases)
    finally:
        clock.freeze(None)
        rt.close()
        server.shutdown()

    print("== first messages (signed webhook, real engine; Maria, identity not confirmed) ==")
    print(format_routing(score))
    print(f"\n({len(first_messages)} conversations in {routed_in:.1f} s)\n")
    print("== slot answers (real readers) ==")
    print(format_slots(slots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
