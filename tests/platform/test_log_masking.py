"""CPFs never reach a log line: not in messages, exception texts, chained causes or stacks."""
from __future__ import annotations

import io
import logging
import socket

import pytest

from bot.platform.logs import configure_logging
from bot.registry.base import RegistryUnavailable
from bot.registry.http import HttpRegistry

CPF = "11676496726"


@pytest.fixture
def log_output():
    """A handler set up the way RQ's and gunicorn's are: a plain Formatter, added later."""
    configure_logging()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("bot.pipeline.process")
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)


def _lookup(cpf: str):
    raise LookupError(f"no beneficiary with cpf={cpf}")


def test_exception_text_cause_and_traceback_are_masked(log_output):
    log, stream = log_output
    try:
        try:
            _lookup(CPF)
        except LookupError as exc:
            raise RuntimeError("GET https://erp/api/beneficiaries?cpf=116.764.967-26 failed") from exc
    except RuntimeError:
        log.exception("processing %s failed", "whatsapp:+5567999990001")
    output = stream.getvalue()
    assert "Traceback" in output and "LookupError" in output  # the traceback is still there
    assert "cpf=116.***.***-26" in output
    assert CPF not in output and "764.967" not in output


def test_stack_dumps_are_masked(log_output):
    log, stream = log_output
    log.warning("checking cpf 11676496726", stack_info=True)  # this line is in the stack
    output = stream.getvalue()
    assert "Stack (most recent call last)" in output
    assert CPF not in output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_operator_api_outage_does_not_carry_the_query_into_the_error(log_output):
    log, stream = log_output
    registry = HttpRegistry(f"http://127.0.0.1:{_closed_port()}/api", "t", timeout=2)
    with pytest.raises(RegistryUnavailable) as caught:
        registry.beneficiary_by_cpf(CPF)
    assert str(caught.value) == "GET /beneficiaries: ConnectionError"
    try:
        raise caught.value
    except RegistryUnavailable:
        log.exception("identity lookup failed")
    output = stream.getvalue()
    assert "GET /beneficiaries: ConnectionError" in output
    assert "?cpf=" not in output and CPF not in output


def fail_quoting_a_cpf(cpf: str) -> None:
    raise LookupError(f"operator API: 500 for /beneficiaries?cpf={cpf}")


def test_a_failed_jobs_traceback_is_stored_in_redis_with_the_cpf_masked(rt):
    """RQ keeps a failed job's traceback in Redis for days and outside our logs."""
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    from bot.pipeline.worker import FailureMasking, InProcessWorker, PlanbotWorker

    job = rt.queue.enqueue(fail_quoting_a_cpf, "116.764.967-26")
    InProcessWorker([rt.queue], connection=rt.redis).work(burst=True, logging_level="CRITICAL")

    assert job.id in FailedJobRegistry(queue=rt.queue).get_job_ids()
    stored = Job.fetch(job.id, connection=rt.redis).latest_result().exc_string
    assert "LookupError: operator API: 500 for /beneficiaries?cpf=116.***.***-26" in stored
    assert "764.967" not in stored
    assert issubclass(PlanbotWorker, FailureMasking)  # worker.py's workers mask too
