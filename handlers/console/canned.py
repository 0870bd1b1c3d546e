"""Canned responses: templates/messages/canned/*.j2 (texts the person reads, pt-BR), their
variables filled for this conversation; the title is the template's first comment."""
from __future__ import annotations

import re

from flask import g

from bot.language.templates import TEMPLATE_DIR, render

CANNED_DIR = TEMPLATE_DIR / "canned"
_TITLE = re.compile(r"^\{#\s*(.+?)\s*#\}")


def canned_replies(settings, beneficiary, conversation) -> list[tuple[str, str]]:
    context = {"first_name": beneficiary.first_name if beneficiary else None,
               "attendant": g.viewer.name.split()[0],
               "protocol": (conversation.data or {}).get("protocol")}
    replies = []
    for path in sorted(CANNED_DIR.glob("*.j2")):
        match = _TITLE.match(path.read_text(encoding="utf-8"))
        title = match.group(1) if match else path.stem
        replies.append((title, render(f"canned/{path.stem}", **context)))
    return replies
