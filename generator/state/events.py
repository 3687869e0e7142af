"""What the site has announced by `now`, one event per thing a follower is told about: each
published update of an incident (the first one is the new incident, one that brings services back
is a restoration, the last a resolution) and the phase a maintenance window is in.

An event's key never changes when its text is edited, so fixing a typo in an update already sent
is not news; its revision does, so an operator who asks for a correction can have one sent. The
site publishes the keys it shows (machine/events.py), and notify/ sends what is new since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from generator.content.model import Content, Incident, Maintenance, Update
from generator.state.derive import Snapshot

# Events older than this are never news: a machine without the outbox (docs/notify.md) takes them
# as sent, and the list the site publishes stays small however long its history.
HORIZON = timedelta(days=30)


@dataclass(frozen=True)
class Event:
    key: str            # "incident/<id>/<n>" (n counts updates from 1) or "maintenance/<id>/<phase>"
    kind: str           # new, update, restored, resolved; scheduled, started, completed
    at: datetime        # when it happened (a window's start or end)
    subject: str        # the incident's or window's id
    revision: str       # digest of what it says: changes when it is edited
    asked: bool = False  # an edit is news (an update with `notify: true`, a window that moved)
    number: int = 0     # the update's number, for incidents


def events(content: Content, snap: Snapshot) -> tuple[Event, ...]:
    """Every event within HORIZON of the last change (not of `now`, so the list stays the same
    between two moments the site changes: state/timeline.py), oldest first."""
    since = snap.as_of - HORIZON
    found: list[Event] = []
    for state in snap.incidents:
        found += _incident_events(state.incident, state.visible_updates, since)
    for window in content.maintenance:
        event = _window_event(window, snap.now)
        if event is not None and event.at >= since:
            found.append(event)
    return tuple(sorted(found, key=lambda e: (e.at, e.key)))


def _incident_events(incident: Incident, visible: int, since: datetime) -> list[Event]:
    found = []
    down: set[str] = {a.target for a in incident.affected if a.status != "operational"}
    for number, update in enumerate(incident.updates[:visible], start=1):
        restores = {target for target, status in update.changes if status == "operational"} & down
        down = (down - restores) | {target for target, status in update.changes if status != "operational"}
        if update.at < since:
            continue
        kind = ("resolved" if update.status == "resolved" else "new" if number == 1
                else "restored" if restores else "update")
        found.append(Event(f"incident/{incident.id}/{number}", kind, update.at, incident.id, _update_revision(update),
                           update.notify, number))
    return found


def _window_event(window: Maintenance, now: datetime) -> Event | None:
    """Only the phase a window is in now: a window first seen after it ended is not announced as
    scheduled and started as well. Moving it or changing its services is news; a typo is not."""
    revision = _digest((window.starts, window.ends, window.services))
    if now < window.starts:
        phase, at = "scheduled", window.starts
    elif now < window.ends:
        phase, at = "started", window.starts
    else:
        phase, at = "completed", window.ends
    return Event(f"maintenance/{window.id}/{phase}", phase, at, window.id, revision, asked=phase == "scheduled")


def _update_revision(update: Update) -> str:
    return _digest((update.at, update.status, update.body.flat, update.changes, update.progress))


def _digest(value: object) -> str:
    """The model is frozen dataclasses, tuples, strings and aware datetimes, whose repr is the same
    in every process and on every machine."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:16]
