"""Time in and out: times as operators write them (ISO 8601 with a UTC offset, within the years a
notice may name, `--now`), and times as a Korean or English reader expects them.

Kept apart from the model so that `--now` can be read without importing the pipeline: a no-op
build imports only what tells it nothing has changed. Formatting is done by hand rather than
through the OS locale, so output is identical on every machine (a CI box without the ko_KR
locale must produce the same bytes as a developer's laptop).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    return parse_flag(value, "--now")


def parse_flag(value: str, flag: str, tz: ZoneInfo | None = None, today: date | None = None) -> datetime:
    """A time given on the command line, refused in words that name the flag the operator typed
    (`--starts`, not `--now`) and with the accepted form of what they wrote (in `tz`, on `today`)."""
    parsed = parse_time(value)
    if parsed is None:
        message, hint = time_problem(value, tz, today)
        raise NoticeboardError(f"{flag} {message}; hint: {hint}")
    if parsed.year not in YEARS:
        raise NoticeboardError(f"{flag} '{value}' is outside the years {YEARS.start}–{YEARS.stop - 1}; hint: check the year")
    return parsed


# Zone names an operator writes after a time, and the offset each stands for. KST has had no
# daylight saving since 1988, so its offset is one number.
_ZONE_WORDS = {"KST": "+09:00", "JST": "+09:00", "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00"}
_LOOSE_TIME = re.compile(
    r"(?:(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[T ]\s*|\s*$))?"
    r"(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?P<zone>[+-]\d{2}(?::?\d{2})?|[A-Za-z][A-Za-z_/+-]*)?")
_FORM = "2025-09-26T20:15+09:00"


def time_problem(value: str, tz: ZoneInfo | None = None, today: date | None = None) -> tuple[str, str]:
    """What is wrong with a time that is not in the accepted form, and the hint: the accepted form
    of what was written (`02:30 KST`, `+0900`, a missing offset) where it can be worked out, with
    the offset of `tz` (the site's zone) and `today`'s date for what the text leaves out."""
    found = _LOOSE_TIME.fullmatch(value.strip())
    if found is None or found["hour"] is None or (found["year"] is None and today is None and found["zone"] is None):
        return f"'{value}' is not a time with a time zone", f"write it like {_FORM} (the +09:00 is the time zone)"
    try:
        day = date(int(found["year"]), int(found["month"]), int(found["day"])) if found["year"] else today
        clock = time(int(found["hour"]), int(found["minute"]), int(found["second"] or 0))
    except ValueError:
        return f"'{value}' is not a valid date and time", f"write it like {_FORM}; check the day and the hour"
    offset, why = _offset(found["zone"], day, clock, tz)
    if offset is None:
        return f"'{value}' is not a time with a time zone", why
    seconds = f":{clock.second:02}" if found["second"] else ""
    written = f"{day.isoformat() if day else 'YYYY-MM-DD'}T{clock.hour:02}:{clock.minute:02}{seconds}{offset}"
    what = "is not a time with a time zone" if found["zone"] is None else "is not in the accepted form"
    dated = "" if found["year"] else "; with today's date" if day else "; the date goes first"
    return f"'{value}' {what}", f"write it as {written} ({why}{dated})"


def _offset(zone: str | None, day: date | None, clock: time, tz: ZoneInfo | None) -> tuple[str | None, str]:
    """The `±HH:MM` a zone as written stands for, and why, or None and a hint when it can't be told."""
    if zone is None:
        if tz is None:
            return "+09:00", "+09:00 is Korea time; use your site's offset"
        return _offset_in(tz, day, clock), f"the site's time zone, {tz.key}"
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = f"{zone[0]}{digits[:2]}:{digits[2:] or '00'}"
        return offset, "two digits each for the month, day and hour" if offset == zone else \
            "an offset is written with a colon, like +09:00"
    if zone.upper() in _ZONE_WORDS:
        return _ZONE_WORDS[zone.upper()], f"{zone.upper()} is {_ZONE_WORDS[zone.upper()]}"
    try:
        named = ZoneInfo(zone)
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        return None, f"write the time zone as an offset, like {_FORM}"
    return _offset_in(named, day, clock), f"{zone} is written as its offset"


def _offset_in(tz: ZoneInfo, day: date | None, clock: time) -> str:
    """`tz`'s offset at that local time (on a day not given, today's rules: Seoul's never change)."""
    moment = datetime.combine(day or datetime.now(tz).date(), clock, tzinfo=tz)
    return moment.isoformat()[-6:]

_KO_WEEKDAYS = "월화수목금토일"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EN_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def shown(moment: datetime, tz: ZoneInfo) -> str:
    """A time as the command line prints it: in the site's zone (never UTC, which an operator in
    Seoul would have to convert under pressure), to the second only where it has one."""
    return moment.astimezone(tz).isoformat(timespec="seconds" if moment.second else "minutes")


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


def format_date(day: date, language: str) -> str:
    """'2025년 9월 26일 (금)' in Korean, 'Fri 26 Sep 2025' otherwise: a day of the site's calendar."""
    if language == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일 ({_KO_WEEKDAYS[day.weekday()]})"
    return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Midnight starting `day` in `tz`; where clocks skip midnight, the first moment the day has."""
    return datetime.combine(day, time(0), tzinfo=tz)


def next_midnight(moment: datetime, tz: ZoneInfo) -> datetime:
    """The first midnight in `tz` after `moment`."""
    return local_midnight(moment.astimezone(tz).date() + timedelta(days=1), tz)


def iso(moment: datetime, tz: ZoneInfo) -> str:
    """Machine-readable time for <time datetime>, feeds and JSON: ISO 8601 with the site's offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")
