"""Picks the operator registry from configuration: the operator's API when
OPERATOR_API_URL is set, otherwise the embedded tables."""
from __future__ import annotations

from .base import OperatorRegistry


def build_registry(settings, sessions) -> OperatorRegistry:
    if settings.operator_api_url:
        from .http import HttpRegistry

        return HttpRegistry(settings.operator_api_url, settings.operator_api_token)
    from .embedded import EmbeddedRegistry

    return EmbeddedRegistry(sessions)
