"""A configuration that cannot work stops web, worker and CLI with one line saying why."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_EXIT_CODE = 4  # gunicorn's APP_LOAD_ERROR


def _env(tmp_path: Path, **values: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "NEGOTIATION_RULES_FILE")}
    env.update(PLANBOT_VAR_DIR=str(tmp_path), **values)
    return env


def _run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


COMMANDS = {
    "worker": [str(BIN / "python"), "worker.py"],
    "serve": [str(BIN / "flask"), "--app", "wsgi", "serve", "--port", "0"],
    "cli": [str(BIN / "flask"), "--app", "wsgi", "db-upgrade"],
}
PREFIX = {"worker": "planbot worker not started: ", "serve": "planbot not started: ",
          "cli": "planbot not started: "}


@pytest.mark.parametrize("process", COMMANDS)
def test_a_malformed_number_stops_the_process_with_one_line(tmp_path, process):
    result = _run(COMMANDS[process], _env(tmp_path, SESSION_IDLE_MINUTES="abc",
                                          SEND_RETRY_INTERVALS="x,y"))
    assert result.returncode == STARTUP_EXIT_CODE, result.stderr
    assert result.stderr == (
        f"{PREFIX[process]}invalid configuration: SESSION_IDLE_MINUTES must be a whole number, "
        "not 'abc'; SEND_RETRY_INTERVALS must be whole numbers separated by commas "
        "(e.g. 2,10,30), not 'x,y'\n")
    assert not (tmp_path / "redis.rdb.settings").exists()  # nothing was started


@pytest.mark.parametrize("process", COMMANDS)
def test_a_missing_rules_file_stops_the_process_with_one_line(tmp_path, process):
    missing = tmp_path / "regras.yaml"
    result = _run(COMMANDS[process], _env(tmp_path, NEGOTIATION_RULES_FILE=str(missing)))
    assert result.returncode == STARTUP_EXIT_CODE, result.stderr
    assert result.stderr == (f"{PREFIX[process]}NEGOTIATION_RULES_FILE {missing}: cannot read "
                             "the negotiation rules (No such file or directory)\n")


def test_an_invalid_rules_file_stops_gunicorn_instead_of_respawning_workers(tmp_path):
    rules = tmp_path / "regras.yaml"
    rules.write_text("operator_name: X\n", encoding="utf-8")
    result = _run([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{_free_port()}", "wsgi:app"],
                  _env(tmp_path, NEGOTIATION_RULES_FILE=str(rules)))
    assert result.returncode == STARTUP_EXIT_CODE, result.stderr
    ours = [line for line in result.stderr.splitlines() if "planbot" in line]
    assert len(ours) == 1 and ours[0].startswith(
        f"planbot not started: NEGOTIATION_RULES_FILE {rules}: invalid negotiation rules — ")
    assert "Traceback" not in result.stderr
    assert "App failed to load." in result.stderr  # gunicorn's master gave up, no respawn loop
