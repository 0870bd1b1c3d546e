"""Logging with CPFs masked: a full CPF never reaches a log line, whoever logs it.

A CPF can hide in the message, its arguments, an exception's text (an operator API error
quoting `?cpf=…`), a chained cause or a stack dump. Every record is masked when it is
created (a record factory, so handlers set up by others — RQ, gunicorn — are covered):
the traceback is formatted there once, masked, and left in `exc_text`, which standard
formatters print instead of formatting `exc_info` again. Our own handler also masks the
final line, for formatters that ignore `exc_text`.
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import re
from contextlib import contextmanager

# Eleven digits, punctuated as a CPF or not, that are not part of a longer digit run.
# Only a digit protects a number: letters, "_", "." or "-" around it do not
# ("cpf11676496726", "_116.764.967-26", "1.116.764.967-26" are all masked), while protocol
# numbers (20 digits), barcodes (44), linhas digitáveis (groups of 5-6 digits) and E.164
# phones (13) are longer runs and stay readable. Masking a stray 11-digit id is the price.
CPF_PATTERN = re.compile(r"(?<!\d)(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?!\d)")

_traceback_formatter = logging.Formatter()


def mask_cpfs(text: str) -> str:
    return CPF_PATTERN.sub(lambda m: f"{m.group(1)}.***.***-{m.group(4)}", text)


def mask_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    masked = mask_cpfs(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = _traceback_formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_cpfs(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_cpfs(record.stack_info)


class CpfMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class CpfMaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_cpfs(super().format(record))


_configured = False


def _install_masking_record_factory() -> None:
    """Mask at record creation, so handlers set up by others (RQ, gunicorn) are covered."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_cpf", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    factory.masks_cpf = True
    logging.setLogRecordFactory(factory)


def configure_logging(level: int = logging.INFO) -> None:
    global _configured
    _install_masking_record_factory()
    if _configured:
        return
    handler = logging.StreamHandler()
    if json_logs_wanted():
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(CpfMaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(CpfMaskingFilter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for existing in root.handlers:
        existing.addFilter(CpfMaskingFilter())
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin
    _configured = True


# -- structured logs ------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, conversation,
# exception), CPFs masked like every other line. The conversation comes from
# `log_context`, set by the pipeline around a conversation's work.

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("planbot_log_context", default={})


@contextmanager
def log_context(**fields):
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Puts the current `log_context` fields on every record (`record.conversation`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _context.get():
            entry[key] = getattr(record, key, None)
        conversation = getattr(record, "conversation", None)
        if conversation is not None:
            entry["conversation"] = str(conversation)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return mask_cpfs(json.dumps(entry, ensure_ascii=False, default=str))


def json_logs_wanted() -> bool:
    return os.environ.get("LOG_FORMAT", "").strip().lower() == "json"
