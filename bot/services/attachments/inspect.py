"""Decides what a received file is by its bytes, never by the declared type or name, and
whether a person's document can be used: a password-protected PDF or a tiny or blank
photo is refused at once, with the reason, so the person fixes it in seconds."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import filetype
from PIL import Image, ImageStat, UnidentifiedImageError

try:  # HEIC (iPhone photos): decoded by libheif through pillow-heif
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC_DECODER = True
except ImportError:  # pragma: no cover - pillow-heif is a dependency; kept for odd platforms
    HEIC_DECODER = False

DEFAULT_MIN_PIXELS = 300
# A photo of a document has text and edges; one whose grey levels barely vary (a lens
# cap, a white sheet, a black screen) is blank. Standard deviation on the 0-255 scale.
# Measured on a reduced copy: fine print on a white sheet must still count, so not too
# reduced (averaging flattens small detail).
BLANK_STDDEV = 4.0
BLANK_CHECK_SIDE = 1024
# Decompression bombs: a 16 MB PNG can claim gigapixels. Pillow's own guard (about
# 89 MP warns, twice that raises) is far beyond any phone camera; we refuse at its mark.
MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485

ACCEPTED_MIMES = {  # mime → kind
    "application/pdf": "pdf",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/heic": "image",
}
ACCEPTED_LABEL = "PDF, JPEG, PNG, WEBP, HEIC"  # what a refusal names as accepted
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
              "image/webp": "webp", "image/heic": "heic"}

# Reason codes (templates/messages/attachments/refused.j2 words each one for people).
UNSUPPORTED_TYPE = "unsupported_type"
EMPTY = "empty"
TOO_LARGE = "too_large"
PDF_ENCRYPTED = "pdf_encrypted"
PDF_UNREADABLE = "pdf_unreadable"
IMAGE_UNREADABLE = "image_unreadable"
IMAGE_TOO_SMALL = "image_too_small"
IMAGE_BLANK = "image_blank"


@dataclass(frozen=True)
class Inspection:
    size: int
    sha256: str
    mime: str | None  # detected from the bytes; None when nothing known matched
    kind: str | None  # "pdf" | "image" for accepted types
    pages: int | None = None
    width: int | None = None
    height: int | None = None
    reasons: tuple[str, ...] = ()  # empty = accepted

    @property
    def accepted(self) -> bool:
        return not self.reasons

    @property
    def extension(self) -> str | None:
        return EXTENSIONS.get(self.mime or "")


def detect_mime(data: bytes) -> str | None:
    kind = filetype.guess(data)
    return kind.mime if kind else None


def inspect_bytes(data: bytes, *, min_pixels: int = DEFAULT_MIN_PIXELS,
                  max_bytes: int | None = None) -> Inspection:
    first = sniff(data, max_bytes=max_bytes)
    if not first.accepted:
        return first
    base = dict(size=first.size, sha256=first.sha256, mime=first.mime, kind=first.kind)
    if first.kind == "pdf":
        return Inspection(**base, **_pdf_facts(data))
    return Inspection(**base, **_image_facts(data, min_pixels))


def sniff(data: bytes, *, max_bytes: int | None = None) -> Inspection:
    """The cheap part of `inspect_bytes` (emptiness, size, type from the first bytes),
    for a webhook that must answer fast: what it refuses is never stored; what it lets
    through is inspected in full by the worker (bot/pipeline/media.py)."""
    base = dict(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    if not data:
        return Inspection(**base, mime=None, kind=None, reasons=(EMPTY,))
    mime = detect_mime(data)
    kind = ACCEPTED_MIMES.get(mime or "")
    if max_bytes is not None and len(data) > max_bytes:
        return Inspection(**base, mime=mime, kind=kind, reasons=(TOO_LARGE,))
    if kind is None:
        return Inspection(**base, mime=mime, kind=None, reasons=(UNSUPPORTED_TYPE,))
    return Inspection(**base, mime=mime, kind=kind)


def _pdf_facts(data: bytes) -> dict:
    from pypdf import PasswordType, PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # Only an owner password (printing/copy restrictions) opens with the empty
            # user password and is readable; a user password is not.
            return {"reasons": (PDF_ENCRYPTED,)}
        pages = len(reader.pages)
        if pages:
            reader.pages[0].mediabox  # the first page must parse, not only the catalogue
    except Exception:  # noqa: BLE001 - untrusted bytes: any parser failure means unreadable
        return {"reasons": (PDF_UNREADABLE,)}
    return {"pages": pages, "reasons": () if pages else (PDF_UNREADABLE,)}


def _image_facts(data: bytes, min_pixels: int) -> dict:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return {"width": width, "height": height, "reasons": (IMAGE_UNREADABLE,)}
            image.draft("L", (BLANK_CHECK_SIDE, BLANK_CHECK_SIDE))  # JPEG: decode at a fraction of the size, faster
            grey = image.convert("L")  # decodes everything: a truncated file fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError):
        return {"reasons": (IMAGE_UNREADABLE,)}
    facts = {"width": width, "height": height}
    if min(width, height) < min_pixels:
        return {**facts, "reasons": (IMAGE_TOO_SMALL,)}
    grey.thumbnail((BLANK_CHECK_SIDE, BLANK_CHECK_SIDE))
    if ImageStat.Stat(grey).stddev[0] < BLANK_STDDEV:
        return {**facts, "reasons": (IMAGE_BLANK,)}
    return {**facts, "reasons": ()}
