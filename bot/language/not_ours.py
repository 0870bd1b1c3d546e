"""Requests the bot cannot serve (yet): recognised so the person gets an honest answer
and an offer of a person, never "não entendi" and never a journey that does not fit.

The table is data (config/language/not_ours.yaml); see the file's head for the format
and for how a newly built journey takes its phrases back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.language import phrases
from bot.language.text import normalize

TABLE = Path(__file__).resolve().parents[2] / "config" / "language" / "not_ours.yaml"
DEFAULT_TEMPLATE = "not_ours/answer"


class NotOursTableError(ValueError):
    """config/language/not_ours.yaml does not follow its format."""


@dataclass(frozen=True)
class Entry:
    label: str
    reason: str
    template: str
    what: str | None
    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]

    after_journeys: bool = False  # tried after the journeys' first words (decision 0320)

    def matches(self, text: str) -> bool:
        return phrases.mentions(text, self.phrases, self.patterns)


def _entry(raw: dict, where: str) -> Entry:
    allowed = {"label", "what", "template", "reason", "phrases", "patterns", "after_journeys"}
    if not isinstance(raw, dict) or not raw.get("label") or set(raw) - allowed:
        raise NotOursTableError(f"{where}: an entry is a mapping with a label and only {sorted(allowed)}")
    template = raw.get("template") or DEFAULT_TEMPLATE
    if template == DEFAULT_TEMPLATE and not raw.get("what"):
        raise NotOursTableError(f"{where}: `what` completes the default answer")
    if not isinstance(raw.get("after_journeys", False), bool):
        raise NotOursTableError(f"{where}: `after_journeys` is true or false")
    if not raw.get("phrases") and not raw.get("patterns"):
        raise NotOursTableError(f"{where}: no phrases and no patterns")
    try:
        patterns = tuple(re.compile(p) for p in raw.get("patterns") or ())
    except re.error as exc:
        raise NotOursTableError(f"{where}: bad pattern: {exc}") from exc
    return Entry(str(raw["label"]), str(raw.get("reason") or raw["label"]), template,
                 raw.get("what"), tuple(str(p) for p in raw.get("phrases") or ()), patterns,
                 raw.get("after_journeys", False))


@lru_cache(maxsize=4)
def load(path: Path = TABLE) -> tuple[Entry, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise NotOursTableError(f"{path.name}: expected `entries:` with a list")
    loaded = tuple(_entry(raw, f"{path.name} entry {i}") for i, raw in enumerate(entries, 1))
    labels = [e.label for e in loaded]
    if len(set(labels)) != len(labels):
        raise NotOursTableError(f"{path.name}: a label appears twice")
    return loaded


def find(text: str | None, *, after_journeys: bool | None = None, path: Path = TABLE) -> Entry | None:
    """The first entry the message matches; with `after_journeys`, only among the entries
    tried before (False) or after (True) the journeys' first words. The engine starts the
    journey of that label instead of answering when one is built (see the table's head)."""
    if not normalize(text):
        return None
    return next((e for e in load(path)
                 if after_journeys in (None, e.after_journeys) and e.matches(text)), None)
