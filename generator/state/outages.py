"""Each incident's outage time per service (the incident page's "서비스별 중단 시간"): how long it
kept each service it named, or hit through an upstream it named, in each outage state, from its
start until it was resolved (while it is open, until its own last update, the time its page is as
of, or today's midnight if that is later: as the availability history runs), maintenance windows
left out (docs/availability.md).

An incident page reads only its own incident's figures, and a build checks every page's reads
against the new content: working the figures out for 10,000 incidents on every build took half
a second. So an incident's figures are a lazy object that names what it is wholly made from
(`origin`: the incident's state, the windows overlapping it, and, while it is open, the moment
it runs to), which
the record of reads fingerprints instead of the figures (state/fingerprint.py); they are worked
out only when a page or the API shows them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from generator.content.model import Content
from generator.state.derive import IncidentState, Snapshot, last_activity, services_via, upstreams_of
from generator.state.replay import AVAILABLE, MAINTENANCE_KIND, OPERATIONAL, kind_of_status, seconds, worst


@dataclass(frozen=True, slots=True)
class Outage:
    """How long one incident kept one service in each outage kind (major, partial, degraded),
    maintenance windows left out; `implied` when it hit the service through an upstream."""

    service: str
    implied: bool
    seconds: tuple[int, int, int]


@dataclass(frozen=True, eq=False)
class IncidentOutage:
    """One incident's outages, worked out when first iterated; `origin` names what they are
    wholly made from (see the module's note). `until`: while the incident is open, the moment
    they run to."""

    origin: str
    until: datetime | None
    make: Callable[[], tuple[Outage, ...]] = field(repr=False)

    @cached_property
    def rows(self) -> tuple[Outage, ...]:
        return self.make()

    def __iter__(self) -> Iterator[Outage]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class FixedOutage:
    """One incident's outages worked out at once, read by value: where something they are made
    from has no origin to name them by."""

    rows: tuple[Outage, ...]
    until: datetime | None

    def __iter__(self) -> Iterator[Outage]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class Outages(dict[str, "IncidentOutage | FixedOutage"]):
    """Each incident's outages by id, made when a page first asks for them: a dict to the record
    of reads, whose proxies look keys up with `get`."""

    def __init__(self, content: Content, snap: Snapshot, midnight: datetime) -> None:
        super().__init__()
        self._content, self._snap, self._midnight = content, snap, midnight
        self._via = services_via(content)
        self._order = {s.id: n for n, s in enumerate(content.catalog.services)}
        self._upstreams = {s.id: tuple(upstreams_of(s, content)) for s in content.catalog.services}
        windows = sorted((seconds(m.starts), seconds(m.ends), m.origin) for m in content.maintenance)
        self._windows = windows
        self._service_windows: dict[str, list[tuple[int, int]]] = {}
        for window in content.maintenance:
            for service in window.services:
                self._service_windows.setdefault(service, []).append((seconds(window.starts), seconds(window.ends)))
        for found in self._service_windows.values():
            found.sort()
        self._starts = [start for start, _, _ in windows]
        self._longest = max((end - start for start, end, _ in windows), default=0)

    def __missing__(self, incident_id: str) -> IncidentOutage | FixedOutage:
        state = self._snap.incident(incident_id)
        until = None if state.resolved_at else max(self._midnight, last_activity(state))
        origin = self._origin(state, until)
        found = self[incident_id] = (FixedOutage(self._outages(state, until), until) if origin is None
                                     else IncidentOutage(origin, until, lambda: self._outages(state, until)))
        return found

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def _origin(self, state: IncidentState, running: datetime | None) -> str | None:
        """The incident's state, the origins of the windows that overlap it, and the moment it runs
        to while it is open; None when one of them has no origin."""
        since = seconds(state.incident.started)
        until = seconds(running or state.resolved_at or state.incident.started)
        first = bisect_left(self._starts, since - self._longest)
        overlapping = [origin for start, end, origin in self._windows[first:bisect_left(self._starts, until)]
                       if end > since]
        if state.origin is None or None in overlapping:
            return None
        return "\0".join([state.origin, running.isoformat() if running else "", *map(str, overlapping)])

    def _outages(self, state: IncidentState, running: datetime | None) -> tuple[Outage, ...]:
        """derive's rule applied to this incident alone, step by step: a service it names takes
        the status it gives; one it hits through upstreams the worst of theirs. Its published
        updates are walked here rather than through replay.py's steps: worked out for every
        incident of a cold build, that copy of every step's statuses cost more than the sums."""
        incident = state.incident
        published = incident.updates[:state.visible_updates]
        status = {a.target: a.status for a in incident.affected}
        targets = set(status).union(*(dict(u.changes) for u in published if u.changes))
        direct = {t for t in targets if t in self._order}
        implied = {s for t in targets for s in self._via.get(t, ())} - direct
        services = sorted(direct | implied, key=self._order.__getitem__)
        if not services:
            return ()
        since = seconds(incident.started)
        bounds, steps = [since], [(True, dict(status))]
        for update in published:
            status.update(update.changes)
            if update.status == "resolved":
                status = dict.fromkeys(status, OPERATIONAL)
            bounds.append(seconds(update.at))
            steps.append((update.status != "resolved", dict(status)))
        if steps[-1][0]:  # still open: it runs to `running`
            bounds.append(seconds(running or self._midnight))
        until = bounds[-1]
        rows = []
        for service in services:
            windows = [(low, high) for low, high in self._service_windows.get(service, ())
                       if low < until and high > since]
            total = self._total(service, bounds, steps, windows)
            if any(total[:MAINTENANCE_KIND]):
                rows.append(Outage(service, service in implied, (total[0], total[1], total[2])))
        return tuple(rows)

    def _total(self, service: str, bounds: list[int], steps: list[tuple[bool, dict[str, str]]],
               windows: list[tuple[int, int]]) -> list[int]:
        """Seconds of each kind of KINDS, and available, the service spent in the incident's open steps."""
        upstreams = self._upstreams[service]
        total = [0] * (AVAILABLE + 1)
        for start, end, (is_open, status) in zip(bounds, bounds[1:], steps):
            if not is_open or end <= start:
                continue
            own = status.get(service)
            shown = own if own is not None else worst(status[u] for u in upstreams if u in status)
            kind = kind_of_status(shown)
            inside = _inside(windows, start, end) if windows and kind != AVAILABLE else 0
            total[MAINTENANCE_KIND] += inside
            total[kind] += end - start - inside
        return total


def _inside(windows: Sequence[tuple[int, int]], start: int, end: int) -> int:
    """Seconds of `start`–`end` inside any of `windows` (sorted; overlapping ones counted once)."""
    total, reached = 0, start
    for low, high in windows:
        low, high = max(low, reached), min(high, end)
        if high > low:
            total += high - low
            reached = high
    return total
