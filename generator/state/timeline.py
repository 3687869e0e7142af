"""The moments at which the site changes by itself, with no edit: when a notice's times pass.

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

from generator.content.model import Content

# How long a resolved incident (and what it restored) stays in the home page's recent lists.
RECENT = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


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
    return Timeline(before, after)


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
