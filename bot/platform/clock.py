"""One source of time, so tests can move it and 'today' is the operator's local day
(the zone is TZ_NAME, set by the runtime at start-up)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

_frozen: datetime | None = None
DEFAULT_TZ_NAME = "America/Campo_Grande"
_local_tz = ZoneInfo(DEFAULT_TZ_NAME)


def use_timezone(name: str) -> None:
    """The operator's zone (process-wide, like the operator itself)."""
    global _local_tz
    _local_tz = ZoneInfo(name)


def now() -> datetime:
    """Naive UTC: what every timestamp column stores."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now() -> datetime:
    return now().replace(tzinfo=timezone.utc).astimezone(_local_tz).replace(tzinfo=None)


def today() -> date:
    """The operator's calendar day (TZ_NAME): due dates and protocols use it."""
    return local_now().date()


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc).astimezone(_local_tz).replace(tzinfo=None)


def from_local(value: datetime) -> datetime:
    return value.replace(tzinfo=_local_tz).astimezone(timezone.utc).replace(tzinfo=None)


def freeze(at: datetime | None) -> None:
    """Tests only: pin now() to a naive-UTC instant (None releases it)."""
    global _frozen
    _frozen = at
