"""Several requests in one message ("boleto de dezembro e tb marcar pediatra pro joao
pedro"): the message cut where a new request may begin, so each part can be routed."""
from __future__ import annotations

import re

# Sentence ends and the joints people put between two requests. A bare " e " joins too:
# "boleto de outubro e novembro" then yields a part ("novembro") that routes nowhere.
_JOINTS = re.compile(
    r"[.!?;\n]+\s*|,?\s+\b(?:e (?:tb|tbm|tambem|ainda|depois|outra coisa)|tambem|alem disso"
    r"|e|outra coisa|depois)\b\s+", re.IGNORECASE)


def parts(text: str | None) -> list[str]:
    """'boleto de dezembro e tb marcar pediatra' -> ['boleto de dezembro', 'marcar pediatra']"""
    return [p.strip(" ,") for p in _JOINTS.split(text or "") if p and p.strip(" ,")]
