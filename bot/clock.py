"""One source of time, so tests can move it and 'today' is the operator's local day."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

_frozen: datetime | None = None
LOCAL_TZ = ZoneInfo("America/Campo_Grande")


def now() -> datetime:
    """Naive UTC: what every timestamp column stores."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now() -> datetime:
    return now().replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).replace(tzinfo=None)


def today() -> date:
    """The operator's calendar day (Campo Grande/MS, UTC-4): due dates and protocols use it."""
    return local_now().date()


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).replace(tzinfo=None)


def from_local(value: datetime) -> datetime:
    return value.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc).replace(tzinfo=None)


def freeze(at: datetime | None) -> None:
    """Tests only: pin now() to a naive-UTC instant (None releases it)."""
    global _frozen
    _frozen = at
