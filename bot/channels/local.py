"""Offline sender: with no provider configured, messages are recorded, never lost."""
from __future__ import annotations

import logging

from .base import Outgoing, SendResult

log = logging.getLogger("planbot.local_sender")


class LocalSender:
    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: Outgoing) -> SendResult:
        log.info("local %s message %s to %s: %d chars", self.channel, message.id,
                 message.recipient[:6] + "…", len(message.body))
        return SendResult(external_id=None, status="local")

    def find_sent(self, message: Outgoing, is_recorded) -> SendResult | None:
        return None
