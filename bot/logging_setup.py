"""Logging with CPFs masked: a full CPF never reaches a log line, whoever logs it."""
from __future__ import annotations

import logging
import re

CPF_PATTERN = re.compile(r"(?<![\w.-])(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?![\w-])")


def mask_cpfs(text: str) -> str:
    return CPF_PATTERN.sub(lambda m: f"{m.group(1)}.***.***-{m.group(4)}", text)


class CpfMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_cpfs(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_configured = False


def _install_masking_record_factory() -> None:
    """Mask at record creation, so handlers set up by others (RQ, gunicorn) are covered."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_cpf", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        CpfMaskingFilter().filter(record)
        return record

    factory.masks_cpf = True
    logging.setLogRecordFactory(factory)


def configure_logging(level: int = logging.INFO) -> None:
    global _configured
    _install_masking_record_factory()
    if _configured:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(CpfMaskingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for existing in root.handlers:
        existing.addFilter(CpfMaskingFilter())
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    _configured = True
