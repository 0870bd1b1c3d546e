"""Files that arrived with a message, as the journeys that ask for one read them.

ONE adapter on purpose: today the Turn exposes `turn.message.attachments` (dicts with url
and content_type, Twilio media URLs that need our credentials: never public); the inbound
media wiring (w2-docs12) is adding `turn.files` (stored attachments). `received` prefers
`turn.files` when the Turn has it, so pointing the journeys at it is this module only.
"""
from __future__ import annotations

from bot.language.templates import render

ACCEPTED = ("image/", "application/pdf")


def _as_dict(item) -> dict:
    if isinstance(item, dict):
        return {k: item.get(k) for k in ("url", "content_type", "ref", "filename") if item.get(k)}
    return {k: getattr(item, k) for k in ("url", "content_type", "ref", "filename")
            if getattr(item, k, None)}


def received(turn) -> list[dict]:
    """Every file of this message: [{url|ref, content_type[, filename]}]."""
    files = getattr(turn, "files", None)
    if files is None:
        files = turn.message.attachments or ()
    return [_as_dict(f) for f in files]


def documents(turn) -> tuple[list[dict], list[dict]]:
    """(images and PDFs, anything else — an audio, a video)."""
    files = received(turn)
    ok = [f for f in files if (f.get("content_type") or "").lower().startswith(ACCEPTED)]
    return ok, [f for f in files if f not in ok]


def take_over_media_note(turn) -> None:
    """The engine answers a message with only a file "não consigo ver imagens" before the
    state runs; a state that asked for that file takes the note back."""
    kind = turn.scratch.pop("media_only", None)
    if kind is None:
        return
    note = render("media_only", kind=kind)
    if note in turn._texts:
        turn._texts.remove(note)
