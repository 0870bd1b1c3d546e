"""LOG_FORMAT=json: one object per line, with the conversation and CPFs masked."""
from __future__ import annotations

import json
import logging

from bot.platform.logs import ContextFilter, JsonFormatter, log_context


def _line(message: str, *args, exc: Exception | None = None) -> dict:
    record = logging.LogRecord("bot.pipeline.process", logging.WARNING, __file__, 1, message,
                               args, (type(exc), exc, None) if exc else None)
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_line_carries_the_conversation_it_was_logged_for():
    with log_context(conversation="whatsapp:+5567999990001"):
        entry = _line("turn failed")
    assert entry["conversation"] == "whatsapp:+5567999990001"
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.pipeline.process"
    assert entry["message"] == "turn failed"
    assert "conversation" not in _line("outside any conversation")


def test_cpfs_are_masked_in_message_and_exception():
    with log_context(conversation=7):
        entry = _line("lookup %s failed", "116.764.967-26",
                      exc=ValueError("cpf=11676496726 not found"))
    assert "116.***.***-26" in entry["message"] and "764.967" not in json.dumps(entry)
    assert "11676496726" not in entry["exception"] and entry["conversation"] == "7"
