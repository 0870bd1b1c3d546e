"""The README's run command as a new user tries it: everything up, the bot answers."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not FLASK.exists(), reason="flask console script not installed")
def test_serve_runs_web_worker_and_embedded_redis_with_demo_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["PLANBOT_VAR_DIR"] = str(tmp_path)
    port = _free_port()
    serve = subprocess.Popen([str(FLASK), "--app", "wsgi", "serve", "--port", str(port)], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the web app did not come up")
        chat = subprocess.run([str(FLASK), "--app", "wsgi", "chat", "--phone", "+5567999990001",
                               "--via-worker"], cwd=ROOT, env=env, input="oi\n", text=True,
                              capture_output=True, timeout=60)
        assert "Olá, Maria!" in chat.stdout, chat.stdout + chat.stderr
        assert "2ª via de boleto" in chat.stdout
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            output, _ = serve.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            output, _ = serve.communicate()
    assert "planbot is running" in output
    assert "demo data loaded" in output
