"""The moments at which the site changes by itself, with no edit: when a notice's times pass,
and, while anything lies within the availability history's days, each midnight.

What a page shows depends on `now` only through these moments: an incident appears when it
starts, each update when its time comes, a maintenance window opens and closes, and a resolved
incident leaves the "recent" lists a week after it was resolved. So a page states the time its
status last changed (`changed_at`), never the time it was built, and two builds with no such
moment between them write the same bytes: a deploy every few minutes sends nothing, and a
scheduler or the preview knows exactly when to build again (`next_change`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from generator.clock import local_midnight, next_midnight
from generator.content.model import Content, Site, Update

# How long a resolved incident (and what it restored) stays in the home page's recent lists.
RECENT = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MONTH = 30  # days of the availability history's monthly figure


@dataclass(frozen=True)
class Timeline:
    """The newest moment at or before `now` at which the state changed (None: nothing has happened
    yet), and the first one after it (None: nothing is due)."""

    changed_at: datetime | None
    next_change: datetime | None


def timeline(content: Content, now: datetime) -> Timeline:
    before = after = None
    for moment in moments(content):
        if moment <= now:
            before = moment if before is None or moment > before else before
        elif after is None or moment < after:
            after = moment
    if _history_moves(content, now):
        midnight = next_midnight(now, content.site.tz)
        after = midnight if after is None or midnight < after else after
    return Timeline(before, after)


def history_span(site: Site) -> int:
    """How many days the availability history works out (state/history.py): the days shown, and
    at least the 30 of its monthly figure."""
    return max(site.history_days, MONTH)


def _history_moves(content: Content, now: datetime) -> bool:
    """Whether the availability history changes at the next midnight in the site's zone: while
    an incident or a maintenance window lies within its days, each midnight moves them on (and
    completes a day of an outage still open). A history with nothing in it says the same every
    day, so a quiet site is left alone."""
    tz = content.site.tz
    since = local_midnight(now.astimezone(tz).date() - timedelta(days=history_span(content.site) - 1), tz)
    for incident in content.incidents:
        if incident.started > now:
            continue
        last: Update | None = incident.updates[-1]
        if last is not None and last.at > now:  # some updates are still to come
            last = next((u for u in reversed(incident.updates) if u.at <= now), None)
        if last is None or last.status != "resolved" or last.at > since:
            return True
    return any(window.starts <= now and window.ends > since for window in content.maintenance)


def moments(content: Content) -> Iterator[datetime]:
    """Every moment at which the state at `now` can differ from the state just before it."""
    for incident in content.incidents:
        yield incident.started
        for update in incident.updates:
            yield update.at
            if update.status == "resolved":
                yield update.at + RECENT
    for window in content.maintenance:
        yield window.starts
        yield window.ends
