"""Attachments we send are never public: each URL is signed and expires."""
from __future__ import annotations

from datetime import timezone

from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

from bot.platform import clock

SALT = "planbot-media"


class _ClockTimestampSigner(TimestampSigner):
    """Link age measured with bot.platform.clock, the one source of time (tests can move it)."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=timezone.utc).timestamp())


def _serializer(settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT, signer=_ClockTimestampSigner)


def sign(settings, item: dict) -> str:
    return _serializer(settings).dumps({"k": item["kind"], "r": item["ref"]})


def media_urls(settings, media: list[dict], outbound_id: int) -> list[str]:
    base = settings.public_base_url
    return [f"{base}/media/{sign(settings, item)}/{item.get('filename', 'documento.pdf')}"
            for item in media]


def verify(settings, token: str) -> dict | None:
    try:
        data = _serializer(settings).loads(token, max_age=settings.media_url_ttl_seconds)
    except (SignatureExpired, BadSignature):
        return None
    return {"kind": data["k"], "ref": data["r"]}
