"""Files that arrived with a message, as the journeys that ask for one read them.

ONE adapter: photos and PDFs are the turn's stored files (`turn.files`: checked by their
bytes and kept in the attachment store by the pipeline, never public); anything else the
message carried (a voice note, a video) is named by its declared type only, to be refused.
"""
from __future__ import annotations

from bot.language.templates import render

ACCEPTED = ("image/", "application/pdf")


def received(turn) -> list[dict]:
    """Every file of this message: [{attachment_id, content_type[, filename]}], then the
    other media ({content_type}) the pipeline does not store."""
    stored = [{"attachment_id": f.attachment_id, "content_type": f.mime,
               **({"filename": f.filename} if f.filename else {})} for f in turn.files]
    others = [{"content_type": a.get("content_type")} for a in (turn.message.attachments or ())
              if not (a.get("content_type") or "").lower().startswith(ACCEPTED)]
    return stored + others


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
