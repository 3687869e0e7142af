"""Scheduled maintenance as iCalendar (`maintenance.ics`), so a customer can subscribe in a calendar app.

Written with the icalendar library (escaping, line folding, VTIMEZONE), not by hand. Events are
in the site's zone with its VTIMEZONE; UIDs are the window's id at the site's host, so a changed
window updates the customer's event instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, vText

from generator.content.markup import plain_text
from generator.content.model import Maintenance, Site
from generator.machine.derived import Derived, absolute
from generator.machine.xml import strip_controls
from generator.state.plan import language_prefix

CALENDAR_LIMIT = 100  # the latest windows by start; older ones only burden every subscriber's refresh
REFRESH = timedelta(hours=1)  # calendar apps poll no faster than this during an outage


def produce(model: Derived) -> dict[str, bytes]:
    """`maintenance.ics` per language, at the root and under each affiliate's section; a build
    keeps those made from the same windows and stamp (`Derived.made`)."""
    files: dict[str, bytes] = {}
    content = model.content
    for section, view_content, view_snap in model.views:
        for language in content.site.languages:
            path = f"{language_prefix(content, language)}{section}maintenance.ics"
            files.update(model.made([path], ("calendar", path), _calendar_file, path, view_content.site,
                                    view_content.maintenance, view_snap.as_of, language))
    return files


def calendar(site: Site, maintenance: tuple[Maintenance, ...], stamp: datetime, language: str) -> bytes:
    """The latest windows of a view; an incident edit leaves every calendar as it was."""
    name = strip_controls(site.title.get(language, site.default_language))
    cal = Calendar()
    cal.add("prodid", "-//Noticeboard//Maintenance calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", vText(name))  # as vText: icalendar leaves these names unescaped otherwise
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", site.timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    latest = sorted(maintenance, key=lambda m: (m.starts, m.id), reverse=True)[:CALENDAR_LIMIT]
    for window in sorted(latest, key=lambda m: (m.starts, m.id)):
        cal.add_component(_event(site, stamp, window, language))
    if latest:
        cal.subcomponents.insert(0, _vtimezone(site.timezone))
    return bytes(cal.to_ical())


@cache
def _vtimezone(zone: str) -> Timezone:
    """The site zone's VTIMEZONE (every event is in that zone), made once per process: icalendar
    derives it from the tz database in 20 ms, and a build writes a calendar per language and
    section, all with the same one."""
    return Timezone.from_tzid(zone)


def _event(site: Site, stamp: datetime, window: Maintenance, language: str) -> Event:
    """DTSTAMP (UTC, as RFC 5545 requires) is the time the site's state last changed, never the
    build's or the wall clock's, so builds with nothing new between them are byte-identical."""
    tz = site.tz
    host = urlsplit(site.base_url).hostname or "localhost"
    event = Event()
    event.add("uid", f"maintenance-{window.id}@{host}")
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", window.starts.astimezone(tz))
    event.add("dtend", window.ends.astimezone(tz))
    event.add("summary", strip_controls(window.title.get(language, site.default_language) or window.id))
    if window.body is not None:
        event.add("description", strip_controls(plain_text(window.body.get(language, site.default_language))))
    prefix = "" if language == site.default_language else f"{language}/"
    event.add("url", absolute(site, f"{prefix}maintenance/{window.id}.html"))  # the group's: sections link to it
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _calendar_file(path: str, site: Site, maintenance: tuple[Maintenance, ...], stamp: datetime,
                   language: str) -> dict[str, bytes]:
    return {path: calendar(site, maintenance, stamp, language)}
