"""The README's run command as a new user tries it: everything up, the bot answers, and
nothing is left running afterwards."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")

pytestmark = pytest.mark.skipif(not FLASK.exists(), reason="flask console script not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PLANBOT_VAR_DIR"] = str(var_dir)
    return env


def _flask(*args: str, env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, **kw)


def _redis_servers_in(var_dir: Path) -> list[int]:
    """redis-server processes working on this var dir (redis chdirs to its rdb's folder)."""
    pids = []
    for process in psutil.process_iter(["name", "cwd", "status"]):
        info = process.info
        if ((info["name"] or "").startswith("redis-server") and info["cwd"] == str(var_dir)
                and info["status"] != psutil.STATUS_ZOMBIE):
            pids.append(process.pid)
    return pids


def _demo_database(var_dir: Path) -> None:
    """What `db-upgrade` and `load-demo` do, in this process (each command costs seconds)."""
    from bot.cli import DEMO_FILE, upgrade_database
    from storage.db import make_engine, session_factory, transaction
    from storage.loader import load_file

    url = f"sqlite:///{var_dir / 'planbot.sqlite3'}"
    upgrade_database(url)
    with transaction(session_factory(url)) as s:
        load_file(s, DEMO_FILE)
    make_engine(url).dispose()


def test_serve_runs_web_worker_and_embedded_redis_with_demo_data(tmp_path):
    env = _env(tmp_path)
    port = _free_port()
    serve = subprocess.Popen([str(FLASK), "--app", "wsgi", "serve", "--port", str(port)], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # migrations, demo data, gunicorn: slow on a busy machine
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the web app did not come up")
        _sign_in_to_the_console(port, tmp_path)
        chat = _flask("chat", "--phone", "+5567999990001", "--via-worker", env=env, input="oi\n")
        assert "Olá, Maria!" in chat.stdout, chat.stdout + chat.stderr
        assert "2ª via de boleto" in chat.stdout
        # the chat attached to serve's Redis and left it running for the next one
        again = _flask("chat", "--phone", "+5567999990002", "--via-worker", env=env, input="oi\n")
        assert "Olá, José!" in again.stdout, again.stdout + again.stderr
        assert len(_redis_servers_in(tmp_path)) == 1
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            output, _ = serve.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            output, _ = serve.communicate()
    assert "planbot is running" in output
    assert f"mail is written as .eml files to {tmp_path / 'mail'}" in output
    assert "demo data loaded" in output
    assert serve.returncode == 0, output
    assert _redis_servers_in(tmp_path) == []


def _sign_in_to_the_console(port: int, var_dir: Path) -> None:
    """serve's demo supervisor signs in over plain http on loopback, with the password
    serve kept under the var dir."""
    import http.cookiejar
    import re
    import urllib.parse

    password = (var_dir / "console-demo-password.txt").read_text().strip()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"http://127.0.0.1:{port}/console/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "login": "supervisor@demo.planbot",
                                   "password": password}).encode()
    queue = opener.open(f"http://127.0.0.1:{port}/console/login", data=form, timeout=10)
    assert queue.geturl().endswith("/console/queue"), queue.geturl()


def test_chat_without_serve_stops_the_redis_it_started(tmp_path):
    env = _env(tmp_path)
    _demo_database(tmp_path)
    chat = _flask("chat", "--phone", "67999990001", env=env, input="oi\n")
    assert chat.returncode == 0, chat.stderr
    assert "Ctrl-D ou Ctrl-C fecha o chat" in chat.stdout
    assert "Olá, Maria!" in chat.stdout, chat.stdout + chat.stderr
    assert (tmp_path / "redis.rdb").exists()  # an embedded Redis ran here (saved on its way out)
    assert _redis_servers_in(tmp_path) == []


def test_chat_on_a_fresh_checkout_prepares_its_database_like_serve(tmp_path):
    env = _env(tmp_path)  # no `serve` before: no database file at all
    chat = _flask("chat", "--phone", "+5567999990002", env=env, input="oi\n")
    assert chat.returncode == 0, chat.stdout + chat.stderr
    assert "demo data loaded" in chat.stdout
    assert "Olá, José!" in chat.stdout, chat.stdout + chat.stderr
    assert (tmp_path / "planbot.sqlite3").exists()
    again = _flask("chat", "--phone", "+5567999990002", env=env, input="oi\n")
    assert "demo data loaded" not in again.stdout  # loaded once; the conversation goes on
    assert "Olá, José!" in again.stdout, again.stdout + again.stderr
    assert _redis_servers_in(tmp_path) == []


def test_chat_on_a_configured_database_never_loads_fictional_people(tmp_path):
    env = _env(tmp_path)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'operator.sqlite3'}"  # "production"
    chat = _flask("chat", "--phone", "+5567999990002", env=env, input="oi\n")
    assert chat.returncode == 0, chat.stdout + chat.stderr
    assert "demo data loaded" not in chat.stdout
    assert "the operator registry is empty" in chat.stderr and "load-registry" in chat.stderr
    assert "Olá, José!" not in chat.stdout  # nobody in the registry: asked for identity
    from storage.db import make_engine

    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM reg_beneficiaries").scalar() == 0
    engine.dispose()


def test_chat_that_crashes_stops_the_redis_it_started(tmp_path):
    (tmp_path / "planbot.sqlite3").write_bytes(b"not a database " * 100)
    chat = _flask("chat", env=_env(tmp_path), input="oi\n")
    assert chat.returncode != 0 and "file is not a database" in chat.stderr, chat.stderr
    assert (tmp_path / "redis.rdb").exists()
    assert _redis_servers_in(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_chat_ended_by_a_signal_stops_the_redis_it_started(tmp_path, signum):
    env = _env(tmp_path)
    _demo_database(tmp_path)
    chat = subprocess.Popen([str(FLASK), "--app", "wsgi", "chat"], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        chat.stdin.write("oi\n")
        chat.stdin.flush()
        for line in chat.stdout:  # until the bot has answered: the chat is now waiting on input
            if "Olá, Maria!" in line:
                break
        else:
            pytest.fail("the bot did not answer: " + chat.stderr.read())
        assert len(_redis_servers_in(tmp_path)) == 1
        chat.send_signal(signum)
        assert chat.wait(timeout=60) == 0, chat.stderr.read()
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
        chat.stdin.close()
        chat.stdout.close()
        chat.stderr.close()
    assert _redis_servers_in(tmp_path) == []


def test_the_demo_people_serve_prints_exist_in_the_demo_data():
    """A new user types what `serve` prints: each phone and CPF prefix must be real."""
    import json

    from bot.cli import DEMO_PEOPLE
    from bot.platform.config import ROOT

    people = json.loads((ROOT / "data" / "demo_operator.json").read_text())["beneficiaries"]
    by_phone = {phone: person for person in people for phone in person["phones"]}
    for phone, who in DEMO_PEOPLE:
        person = by_phone[phone]
        assert who.startswith(person["name"].split()[0] + ", CPF " + person["cpf"][:3] + "…")
