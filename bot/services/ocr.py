"""Optional OCR of identity documents (Debian: tesseract-ocr + tesseract-ocr-por): the CPF
and name read from a photo, for the reviewer to compare with the registry's. Without the
`tesseract` program on PATH (or without its Portuguese data) `read_identity` returns None
and nothing else changes."""
from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image
from validate_docbr import CPF

log = logging.getLogger(__name__)

_CPF = re.compile(r"(?<!\d)(\d{3})[.\s]?(\d{3})[.\s]?(\d{3})[-\s.]?(\d{2})(?!\d)")
_NAME_LABEL = re.compile(r"^\s*(?:NOME|NAME)\b[\s:/A-Z]*$", re.I)
_UPPER_NAME = re.compile(r"^[A-ZÀ-Ý' ]{5,80}$")
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class IdentityRead:
    cpf: str | None  # 11 digits with valid check digits
    name: str | None


@lru_cache(maxsize=1)
def available() -> bool:
    binary = shutil.which("tesseract")
    if binary is None:
        return False
    try:
        langs = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                               timeout=TIMEOUT_SECONDS).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return False
    return "por" in langs


def parse_identity(text: str) -> IdentityRead:
    """The first CPF with valid check digits, and the line after a NOME label (else the
    first all-capitals line of two words or more), from OCR text."""
    cpf = next((d for d in ("".join(m.groups()) for m in _CPF.finditer(text or ""))
                if CPF().validate(d)), None)
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    name = None
    for i, line in enumerate(lines):
        if _NAME_LABEL.match(line) and i + 1 < len(lines) and _UPPER_NAME.match(lines[i + 1]):
            name = lines[i + 1]
            break
    if name is None:
        name = next((line for line in lines if _UPPER_NAME.match(line) and len(line.split()) >= 2
                     and "REPUBLICA" not in line and "BRASIL" not in line), None)
    return IdentityRead(cpf, " ".join(name.split()) if name else None)


def read_identity(data: bytes, mime: str) -> IdentityRead | None:
    if not available() or not mime.startswith("image/"):
        return None
    try:
        image = Image.open(io.BytesIO(data)).convert("L")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        text = subprocess.run(["tesseract", "stdin", "stdout", "-l", "por"],
                              input=buffer.getvalue(), capture_output=True,
                              timeout=TIMEOUT_SECONDS).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("OCR failed: %s", type(exc).__name__)
        return None
    return parse_identity(text)
