"""The corpus tests' reports (per-label precision and recall, misroutes, slot accuracy),
printed at the end of the run whether the targets pass or fail."""
from __future__ import annotations

REPORTS: list[tuple[str, str]] = []  # (title, text), added by tests/language/test_corpus.py


def pytest_terminal_summary(terminalreporter):
    for title, text in REPORTS:
        terminalreporter.write_sep("=", title)
        terminalreporter.write_line(text)
