"""Times as operators write them: ISO 8601 with a UTC offset, within the years a notice may name.

Kept apart from the model so that `--now` can be read without importing the pipeline: a no-op
build imports only what tells it nothing has changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache

# Times outside these years are surely typos, and near year 1 or 9999 converting to UTC overflows.
YEARS = range(1970, 9999)


def parse_time(value: str) -> datetime | None:
    """An aware datetime, or None when the text has no UTC offset or isn't a time at all."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    return None if offset is None else parsed.replace(tzinfo=_zone(offset))


@cache
def _zone(offset: timedelta) -> timezone:
    """One shared time zone object per UTC offset: fromisoformat makes a new one for every time,
    and 45,000 of them were a quarter of the objects the content cache unpickles at 10,000 incidents."""
    return timezone(offset)
