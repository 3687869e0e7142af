"""Scheduled maintenance as iCalendar (`maintenance.ics`), so a customer can subscribe in a calendar app.

Written with the icalendar library (escaping, line folding, VTIMEZONE), not by hand. Events are
in the site's zone with its VTIMEZONE; UIDs are the window's id at the site's host, so a changed
window updates the customer's event instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vText

from generator.derive import Snapshot
from generator.machine import Derived, absolute, plain_text, strip_controls, text
from generator.model import Content, Maintenance
from generator.render import language_prefix

CALENDAR_LIMIT = 100  # the latest windows by start; older ones only burden every subscriber's refresh
REFRESH = timedelta(hours=1)  # calendar apps poll no faster than this during an outage


def produce(content: Content, snap: Snapshot,
            derived: Callable[[Content, Snapshot], Derived] = Derived) -> dict[str, bytes]:
    """`maintenance.ics` per language, at the root and under each affiliate's section."""
    files: dict[str, bytes] = {}
    for section, view_content, _ in derived(content, snap).views:
        for language in content.site.languages:
            path = f"{language_prefix(content, language)}{section}maintenance.ics"
            files[path] = calendar(view_content, snap, language)
    return files


def calendar(content: Content, snap: Snapshot, language: str) -> bytes:
    name = strip_controls(text(content.site.title, language, content) or "")
    cal = Calendar()
    cal.add("prodid", "-//Noticeboard//Maintenance calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", vText(name))  # as vText: icalendar leaves these names unescaped otherwise
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", content.site.timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    latest = sorted(content.maintenance, key=lambda m: (m.starts, m.id), reverse=True)[:CALENDAR_LIMIT]
    for window in sorted(latest, key=lambda m: (m.starts, m.id)):
        cal.add_component(_event(content, snap, window, language))
    if latest:
        cal.add_missing_timezones()
    return cal.to_ical()


def _event(content: Content, snap: Snapshot, window: Maintenance, language: str) -> Event:
    """DTSTAMP (UTC, as RFC 5545 requires) is the build's `now`, never the wall clock, so rebuilds
    are byte-identical."""
    tz = content.site.tz
    host = urlsplit(content.site.base_url).hostname or "localhost"
    event = Event()
    event.add("uid", f"maintenance-{window.id}@{host}")
    event.add("dtstamp", snap.now.astimezone(timezone.utc))
    event.add("dtstart", window.starts.astimezone(tz))
    event.add("dtend", window.ends.astimezone(tz))
    event.add("summary", strip_controls(text(window.title, language, content) or window.id))
    if window.body is not None:
        event.add("description", strip_controls(plain_text(text(window.body, language, content) or "")))
    page = f"{language_prefix(content, language)}maintenance/{window.id}.html"  # the group's: sections link to it
    event.add("url", absolute(content, page))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event
