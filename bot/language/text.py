"""Normalization of what people type, shared by intent, slot and identity matching."""
from __future__ import annotations

import re

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s/.,:-]")


def normalize(text: str | None) -> str:
    """Lowercase, strip accents and emoji, collapse blanks: 'Ótimo!!  Mês' -> 'otimo mes'."""
    if not text:
        return ""
    ascii_text = unidecode(text).lower()
    ascii_text = _PUNCT.sub(" ", ascii_text)
    return _SPACES.sub(" ", ascii_text).strip()


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def storable(text: str) -> str:
    """Without NUL characters: PostgreSQL text and JSON cannot hold U+0000, and an insert
    refused for it would fail the whole request (a webhook Twilio retries forever)."""
    return text.replace("\x00", "")
