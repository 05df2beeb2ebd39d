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
