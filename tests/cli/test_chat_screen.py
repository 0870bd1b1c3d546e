"""`flask --app wsgi chat` is a WhatsApp screen (issue 11): a message delivered while the
person is not typing — an attendant's reply, a release — is printed at once, not after
the person's next message."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
pytestmark = pytest.mark.skipif(not FLASK.exists(), reason="flask console script not installed")


def _lines(stream, into: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        into.put(line)


def _wait_for(lines: queue.Queue, seen: list[str], text: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not any(text in line for line in seen):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{text!r} never printed:\n" + "".join(seen))
        try:
            seen.append(lines.get(timeout=remaining))
        except queue.Empty:
            pass


def test_a_message_delivered_between_turns_is_printed_without_typing(tmp_path):
    from storage.db import session_factory, transaction
    from storage.models import Conversation, OutboundMessage

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PLANBOT_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    chat = subprocess.Popen([str(FLASK), "--app", "wsgi", "chat", "--phone", "+5567999990001"],
                            cwd=ROOT, env=env, text=True, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: queue.Queue = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=_lines, args=(chat.stdout, lines), daemon=True).start()
    try:
        chat.stdin.write("atendente\n")
        chat.stdin.flush()
        _wait_for(lines, seen, "atendentes")  # queued for a person; the prompt is back
        # The attendant answers from the console while the person types nothing: the row
        # as the deliver job leaves it for the chat channel.
        with transaction(session_factory(f"sqlite:///{tmp_path / 'planbot.sqlite3'}")) as s:
            c = s.scalars(select(Conversation).where(Conversation.channel == "chat")).one()
            s.add(OutboundMessage(conversation_id=c.id, channel="chat", recipient=c.address,
                                  body="Oi, Maria! Aqui é a Joana, da central.", author="attendant",
                                  status="local"))
        _wait_for(lines, seen, "Aqui é a Joana, da central.", seconds=30)
    finally:
        chat.stdin.close()  # Ctrl-D
        chat.wait(timeout=60)
    assert chat.returncode == 0, "".join(seen)
