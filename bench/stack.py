"""The production set-up, started by a bench and torn down by it: a fresh PostgreSQL
database on the local server, the bench's own redis-server, gunicorn (the app and the
baseline endpoints) and N `python worker.py` kept alive like a supervisor would.

Loopback only. Everything it starts it stops, and it drops the database and removes its
temporary folder on the way out, whatever happened (the `with` block).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The local server, trust auth; the bench creates (and drops) its own database on it.
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TOKEN = "bench-token"
PUBLIC = "https://bench.example"
ACCOUNT = "AC" + "b" * 32
BOT_NUMBER = "+556730000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, what: str, process: subprocess.Popen | None = None,
                  timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


@dataclass
class Worker:
    number: int
    process: subprocess.Popen
    started: float


@dataclass
class Stack:
    twilio_base_url: str
    workers: int = 2
    web_workers: int = 2
    people: int = 2000
    sender_rate: int = 400  # WHATSAPP_MAX_PER_SECOND: above what the bench can reach
    pid: int = field(default_factory=os.getpid)

    def __post_init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="planbot-bench-"))
        self.database = f"planbot_bench_{self.pid}"
        base = POSTGRES_URL.rsplit("/", 1)[0]
        self.database_url = f"{base}/{self.database}"
        self.redis_port = free_port()
        self.web_port = free_port()
        self.baseline_port = free_port()
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.baselines: subprocess.Popen | None = None
        self.pool: list[Worker] = []
        self.worker_exits: list[tuple[float, int, int]] = []  # (time, worker number, status)
        self._logs: list = []
        self._database_created = False

    # -- environment -------------------------------------------------------------------
    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TWILIO_", "OPERATOR_", "PLANBOT_"))
               and k not in ("DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "SECRET_KEY")}
        env.update(
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            DATABASE_URL=self.database_url, REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            PLANBOT_VAR_DIR=str(self.tmp / "var"), SECRET_KEY="bench-secret-" + "x" * 20,
            PUBLIC_BASE_URL=PUBLIC, TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN,
            TWILIO_WHATSAPP_FROM=BOT_NUMBER, TWILIO_API_BASE_URL=self.twilio_base_url,
            WHATSAPP_MAX_PER_SECOND=str(self.sender_rate), PYTHONUNBUFFERED="1",
        )
        return env

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def baseline_url(self) -> str:
        return f"http://127.0.0.1:{self.baseline_port}"

    def _log(self, name: str):
        handle = open(self.tmp / f"{name}.log", "ab")
        self._logs.append(handle)
        return handle

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = self._log(name)
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def _run(self, args: list[str], what: str) -> str:
        done = subprocess.run(args, cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout.strip()

    # -- life cycle --------------------------------------------------------------------
    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self._create_database()
        self.start_redis()
        self._run([str(BIN / "flask"), "--app", "wsgi", "db-upgrade"], "migrations")
        from people import write_registry

        registry = write_registry(self.tmp / "registry.json", self.people)
        self._run([str(BIN / "flask"), "--app", "wsgi", "load-registry", str(registry)],
                  "loading the registry")
        sys.path.insert(0, str(ROOT / "bench"))
        from baselines import create_table

        create_table(self.database_url)
        self.web = self._spawn([str(BIN / "gunicorn"), "wsgi:app", "-w", str(self.web_workers),
                                "-b", f"127.0.0.1:{self.web_port}"], "web")
        self.baselines = self._spawn([str(BIN / "gunicorn"), "--pythonpath", "bench",
                                      "baselines:app", "-w", str(self.web_workers),
                                      "-b", f"127.0.0.1:{self.baseline_port}"], "baselines")
        for number in range(self.workers):
            self.pool.append(self._start_worker(number))
        wait_for_port(self.web_port, "gunicorn wsgi:app", self.web)
        wait_for_port(self.baseline_port, "gunicorn baselines:app", self.baselines)
        self._warm_up()

    def _warm_up(self) -> None:
        # gunicorn listens before its workers imported the app: one request per worker.
        for url in (f"{self.web_url}/webhooks/whatsapp",
                    f"{self.baseline_url}/bare/webhooks/whatsapp"):
            for _ in range(self.web_workers * 2):
                requests.post(url, data={}, timeout=60)

    def _create_database(self) -> None:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.database}"')
        self._database_created = True

    def _drop_database(self) -> None:
        if self._database_created:
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._database_created = False

    # -- Redis -------------------------------------------------------------------------
    def start_redis(self) -> None:
        """Our own redis-server, no persistence: a restart loses every queued job."""
        self.redis = self._spawn(["redis-server", "--port", str(self.redis_port),
                                  "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                  "--dir", str(self.tmp)], "redis")
        wait_for_port(self.redis_port, "redis-server", self.redis)

    def kill_redis(self) -> None:
        _stop(self.redis, signal.SIGKILL)
        self.redis = None

    # -- workers (the bench is their supervisor) ----------------------------------------
    def _start_worker(self, number: int) -> Worker:
        return Worker(number, self._spawn([str(BIN / "python"), "worker.py"], f"worker{number}"),
                      time.monotonic())

    def kill_worker(self, number: int) -> None:
        _stop(self.pool[number].process, signal.SIGKILL)

    def pause_workers(self, paused: bool) -> None:
        """SIGSTOP / SIGCONT every worker: the web tier measured alone, as the floors are."""
        _signal([w.process.pid for w in self.pool], signal.SIGSTOP if paused else signal.SIGCONT)

    def supervise(self, restart_delay: float = 1.0) -> int:
        """Restart any worker that exited (systemd's Restart=always, RestartSec=1).
        Call it often; returns how many it restarted."""
        restarted = 0
        now = time.monotonic()
        for i, worker in enumerate(self.pool):
            status = worker.process.poll()
            if status is None:
                continue
            if not any(at >= worker.started and n == i for at, n, _ in self.worker_exits):
                self.worker_exits.append((now, i, status))
            last_exit = max(at for at, n, _ in self.worker_exits if n == i)
            if now - last_exit >= restart_delay:
                self.pool[i] = self._start_worker(i)
                restarted += 1
        return restarted

    # -- clean-up ----------------------------------------------------------------------
    def close(self) -> None:
        for worker in self.pool:
            _stop(worker.process)
        for process in (self.web, self.baselines):
            _stop(process)
        _stop(self.redis)
        try:
            self._drop_database()
        finally:
            for handle in self._logs:
                handle.close()
            if os.environ.get("BENCH_KEEP_LOGS"):
                print(f"logs kept in {self.tmp}", file=sys.stderr)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def descendants(pid: int) -> list[int]:
    """Every process below pid (RQ's work horse puts itself in its own process group, so
    killing the worker's group would leave it running)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, grace: float = 10) -> None:
    """Stop a process we started and everything it started (gunicorn's workers, RQ's work
    horse); SIGKILL is what a supervisor's kill of the whole unit does."""
    if process is None or process.poll() is not None:
        return
    family = descendants(process.pid)
    if sig == signal.SIGKILL:
        _signal([process.pid, *family], sig)
    else:
        _signal([process.pid], sig)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        _signal([process.pid], signal.SIGKILL)
        process.wait()
    _signal(descendants(process.pid) + family, signal.SIGKILL)  # leftovers only
