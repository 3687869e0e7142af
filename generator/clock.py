"""Time in and out: times as operators write them (ISO 8601 with a UTC offset, within the years a
notice may name, `--now`), and times as a Korean or English reader expects them.

Kept apart from the model so that `--now` can be read without importing the pipeline: a no-op
build imports only what tells it nothing has changed. Formatting is done by hand rather than
through the OS locale, so output is identical on every machine (a CI box without the ko_KR
locale must produce the same bytes as a developer's laptop).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from generator.errors import NoticeboardError

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


def parse_now(value: str | None) -> datetime:
    """`--now` makes builds reproducible; without it, the current time (to the second)."""
    if value is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    parsed = parse_time(value)
    if parsed is None:
        raise NoticeboardError(f"--now {value!r} is not a time with a time zone; hint: write it like 2025-09-27T10:00+09:00")
    if parsed.year not in YEARS:
        raise NoticeboardError(f"--now {value!r} is outside the years {YEARS.start}–{YEARS.stop - 1}; hint: check the year")
    return parsed

_KO_WEEKDAYS = "월화수목금토일"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EN_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def format_time(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """'2025년 9월 26일 (금) 21:30 KST' in Korean, 'Fri 26 Sep 2025, 21:30 KST' otherwise."""
    return format_local(moment.astimezone(tz), language)


def format_local(at: datetime, language: str) -> str:
    """`format_time` of a time already in the site's zone (pages convert once for both forms)."""
    clock = format_clock(at)
    if language == "ko":
        return f"{at.year}년 {at.month}월 {at.day}일 ({_KO_WEEKDAYS[at.weekday()]}) {clock}"
    return f"{_EN_WEEKDAYS[at.weekday()]} {at.day} {_EN_MONTHS[at.month - 1]} {at.year}, {clock}"


def format_clock(at: datetime) -> str:
    """'21:30 KST': the clock alone, for the end of something that began the same day."""
    return f"{at.hour:02}:{at.minute:02} {at.tzname() or at.strftime('%z')}"  # strftime took a third of the time


def iso(moment: datetime, tz: ZoneInfo) -> str:
    """Machine-readable time for <time datetime>, feeds and JSON: ISO 8601 with the site's offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")
