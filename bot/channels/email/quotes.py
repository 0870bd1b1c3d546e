"""The new part of a reply: quoted history and signatures stripped.

mail-parser-reply splits a body into replies by the headers mail clients write before
the quoted message; it knows no Portuguese, so the Portuguese markers are added to its
language table (see docs/decisions/0121). What it leaves (a bare `>` block, a "-- "
signature) is cut here.
"""
from __future__ import annotations

import re

import html2text
from mailparser_reply import EmailMessage
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

Q = QUOTED_MATCH_INCLUDE

PORTUGUESE = {
    # Gmail "Em qua., 3 de dez. de 2026 às 10:15, Fulano <x@y> escreveu:" (sometimes
    # wrapped over two lines), Apple Mail "Em 3 de dez. de 2026, à(s) 10:15, … escreveu:",
    # and the old Outlook separators in Portuguese and English.
    "wrote_header": r"^(" + Q + r"(?:Em\s(?:.+?\s?.+?)\s?escreveu:"
                    r"|-{3,}\s*Mensagem original\s*-{3,}"
                    r"|-{3,}\s*Original Message\s*-{3,}))$",
    # Outlook's block: "De: …" then "Enviado:"/"Enviada em:", "Para:", "Assunto:" …
    "from_header": r"((?:(?:^|\n|\n" + Q + r")[* ]*(?:De|Enviado|Enviada em|Enviado em|Para"
                   r"|Assunto|Data|Cc|Cco):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
    "disclaimers": [
        "Aviso de confidencialidade:",
        "AVISO LEGAL:",
        "Confidencialidade:",
    ],
    # Closing words only when alone on their line: "Obrigada, quero a 2ª via" is a message.
    "signatures": [
        r"Atenciosamente[,.!]?$",
        r"Att\.?,?$",
        r"Abra[çc]os?[,.!]?$",
        r"Cordialmente[,.!]?$",
        r"Obrigad[oa][,.!]?$",
        r"Grat[oa][,.!]?$",
    ],
    "sent_from": r"Enviado do meu|Enviado de meu|Enviado do Outlook|Obter o Outlook para",
}
MAIL_LANGUAGES.setdefault("pt", PORTUGUESE)

_QUOTED_LINE = re.compile(r"^\s*>")
_SIGNATURE_DASHES = re.compile(r"^-- ?$")


def new_part(text: str) -> str:
    """What the person wrote this time, without what they quoted or signed."""
    if not text or not text.strip():
        return ""
    message = EmailMessage(text=text.replace("\r\n", "\n"), languages=["pt", "en"],
                           keep_hyphen_lists=True).read()  # "- 2ª via" lists are content
    if not message.replies:
        return ""
    return _cut_leftovers(message.replies[0].body)


def _cut_leftovers(text: str) -> str:
    kept: list[str] = []
    for line in text.split("\n"):
        if _SIGNATURE_DASHES.match(line):
            break  # RFC 3676 signature separator: the rest is the signature
        if _QUOTED_LINE.match(line):
            continue  # a quote the parser found no header for
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def html_to_text(html: str) -> str:
    """Readable text of an HTML-only mail: no script or style content, no images, links
    as their text; quotes (<blockquote>) become `>` lines that new_part drops."""
    converter = html2text.HTML2Text()
    converter.body_width = 0  # the engine reads lines; do not re-wrap them
    converter.ignore_images = True
    converter.ignore_links = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True  # keep "ç" and "ã", not ASCII look-alikes
    return converter.handle(html).strip()
