"""Times as a Korean or English reader expects them, in the site's time zone.

Formatting is done by hand rather than through the OS locale, so output is identical on every
machine (a CI box without the ko_KR locale must produce the same bytes as a developer's laptop).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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
    zone = at.tzname() or at.strftime("%z")
    clock = f"{at.hour:02}:{at.minute:02}"  # strftime took a third of the time; pages show ten times each
    if language == "ko":
        return f"{at.year}년 {at.month}월 {at.day}일 ({_KO_WEEKDAYS[at.weekday()]}) {clock} {zone}"
    return f"{_EN_WEEKDAYS[at.weekday()]} {at.day} {_EN_MONTHS[at.month - 1]} {at.year}, {clock} {zone}"


def iso(moment: datetime, tz: ZoneInfo) -> str:
    """Machine-readable time for <time datetime>, feeds and JSON: ISO 8601 with the site's offset."""
    return moment.astimezone(tz).isoformat(timespec="seconds")
