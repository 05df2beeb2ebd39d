"""Time conventions: auromat works with naive ``datetime`` objects in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np


def as_utc(time: datetime | np.datetime64 | str) -> datetime:
    """Return ``time`` as a naive UTC datetime (aware datetimes are converted to UTC).

    Strings are parsed as ISO 8601.
    """
    if isinstance(time, str):
        time = datetime.fromisoformat(time)
    elif isinstance(time, np.datetime64):
        microseconds = time.astype("datetime64[us]").astype(np.int64)
        return datetime(1970, 1, 1) + np.timedelta64(microseconds, "us").item()
    if time.tzinfo is not None:
        time = time.astimezone(UTC).replace(tzinfo=None)
    return time


def period_phrase(start: datetime | None, end: datetime | None) -> str:
    """`` between <start> and <end>`` for messages (an open side named), or ``""`` when both are open."""
    if start is None and end is None:
        return ""
    return f" between {start or 'the beginning'} and {end or 'the end'}"


__all__ = [
    "as_utc",
    "period_phrase",
]
