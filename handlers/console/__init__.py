"""The attendants' web console (/console): server-rendered pages, pt-BR.

Pages are modules of this package that add views to `bp` (queue, conversation, dashboard);
a new screen (document review, retention) is one more module with its own templates under
templates/console/ and an entry in NAV. Every view is refused unless signed in and
declaring its least role (`auth.requires`); every form carries a CSRF token.
"""
from __future__ import annotations

from . import commands, conversation, dashboard, queue, reviews  # noqa: F401  (their views and CLI)
from .blueprint import NAV, bp

__all__ = ["NAV", "bp"]
