"""Picks the operator registry from configuration: the operator's API when
OPERATOR_API_URL is set, otherwise the embedded tables."""
from __future__ import annotations

from .base import OperatorRegistry
from .embedded import EmbeddedRegistry
from .http import HttpRegistry


def build_registry(settings, sessions) -> OperatorRegistry:
    if settings.operator_api_url:
        return HttpRegistry(settings.operator_api_url, settings.operator_api_token)
    return EmbeddedRegistry(sessions)
