"""The corpus tests' reports, printed at the end of the run: their targets are xfail while
the understanding code catches up, and an xfail shows no output of its own."""
from __future__ import annotations

REPORTS: list[tuple[str, str]] = []  # (title, text), added by tests/language/test_corpus.py


def pytest_terminal_summary(terminalreporter):
    for title, text in REPORTS:
        terminalreporter.write_sep("=", title)
        terminalreporter.write_line(text)
