"""Each service's status over time: what the site showed at every moment, not only at `now`.

derive.py answers "what is each service's status now?" by replaying every incident's updates up
to `now`. The availability history (history.py) needs the same answer for every moment of the
last months, so this module replays an incident once into its steps (when its statuses changed,
and whether it was open) and then applies derive's rule between consecutive changes: an open
incident that names the service decides its status (the worst such entry); otherwise a down
upstream it relies on does (implied); a maintenance window of the service adds
`under_maintenance`; the worst candidate wins. tests/test_history.py checks, moment by moment,
that this gives exactly the status `snapshot` gives.

Times are whole seconds since the epoch: notices carry minutes (at most seconds), and integer
arithmetic keeps every sum exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from generator.content.model import Incident, Maintenance, severity

OPERATIONAL = "operational"
MAINTENANCE = "under_maintenance"
# The kinds of time the history counts, in the order of its tuples of seconds; anything else is available.
KINDS = ("major_outage", "partial_outage", "degraded_performance", "under_maintenance")
MAINTENANCE_KIND, AVAILABLE = 3, len(KINDS)


def seconds(moment: datetime) -> int:
    """A time as whole seconds since the epoch (notices carry no fractions of a second)."""
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class Replay:
    """One incident's steps up to `now`: `times[i]` is when step i began (its start, then each
    published update), `steps[i]` whether it was open from then on and every target's status."""

    incident: str
    times: tuple[int, ...]
    steps: tuple[tuple[bool, dict[str, str]], ...]

    @property
    def targets(self) -> frozenset[str]:
        """Every service and upstream the incident gave a status, in `affected` or in an update."""
        return frozenset(target for _, status in self.steps for target in status)

    def at(self, moment: int) -> dict[str, str] | None:
        """The statuses the incident gave at `moment`, or None when it was not open then."""
        index = bisect_right(self.times, moment) - 1
        if index < 0 or not self.steps[index][0]:
            return None
        return self.steps[index][1]

    @property
    def end(self) -> int | None:
        """When it was last resolved, or None while it is still open."""
        return None if self.steps[-1][0] else self.times[-1]


def replay(incident: Incident, now: datetime) -> Replay:
    """The incident's updates up to `now`, step by step, exactly as derive.incident_state reads
    them: a resolving update brings every target back to operational, and a later update may
    open the incident again."""
    status = {a.target: a.status for a in incident.affected}
    times, steps = [seconds(incident.started)], [(True, dict(status))]
    for update in incident.updates:
        if update.at > now:
            break
        changes = dict(update.changes)
        if update.status == "resolved":
            changes.update({t: OPERATIONAL for t, s in status.items() if s != OPERATIONAL})
        status.update(changes)
        times.append(seconds(update.at))
        steps.append((update.status != "resolved", dict(status)))
    return Replay(incident.id, tuple(times), tuple(steps))


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time in which a service showed one status. `window` is set inside one of its
    maintenance windows; `incidents` are those that made it not operational."""

    start: int
    end: int
    status: str
    window: bool
    incidents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Subject:
    """A service as the timeline needs it: its id, the upstreams it relies on (directly or
    through other services) and its maintenance windows as (start, end) seconds."""

    service: str
    upstreams: tuple[str, ...]
    windows: tuple[tuple[int, int], ...]


def spans(subject: Subject, replays: Sequence[Replay], since: int, until: int) -> list[Span]:
    """The service's statuses from `since` to `until`, as consecutive spans; `replays` must
    hold every incident that names the service or an upstream it relies on."""
    cuts = {since, until}
    for found in replays:
        cuts.update(t for t in found.times if since < t < until)
    for start, end in subject.windows:
        cuts.update(t for t in (start, end) if since < t < until)
    ordered = sorted(cuts)
    merged: list[Span] = []
    for start, end in zip(ordered, ordered[1:]):
        status, window, incidents = _status_at(subject, replays, start)
        last = merged[-1] if merged else None
        if last is not None and (last.status, last.window, last.incidents) == (status, window, incidents):
            merged[-1] = Span(last.start, end, status, window, incidents)
        else:
            merged.append(Span(start, end, status, window, incidents))
    return merged


def kind_of(span: Span) -> int:
    """Which of KINDS a span counts as (maintenance inside a window, whatever else was shown), or
    AVAILABLE."""
    return MAINTENANCE_KIND if span.window else kind_of_status(span.status)


def kind_of_status(status: str) -> int:
    return KINDS.index(status) if status in KINDS else AVAILABLE


def windows_of(windows: Sequence[Maintenance], service: str, since: int, until: int) -> tuple[tuple[int, int], ...]:
    """The service's maintenance windows that overlap `since`–`until`, in seconds."""
    found = ((seconds(m.starts), seconds(m.ends)) for m in windows if service in m.services)
    return tuple(sorted((start, end) for start, end in found if start < until and end > since))


def _status_at(subject: Subject, replays: Sequence[Replay], moment: int) -> tuple[str, bool, tuple[str, ...]]:
    """derive._service_state at one moment: an open incident naming the service wins; else a
    down upstream implies its status; a window adds maintenance; the worst candidate is shown."""
    service = subject.service
    open_steps, candidates, causes = [], [], set()
    for found in replays:
        status = found.at(moment)
        if status is None:
            continue
        open_steps.append((found.incident, status))
        own = status.get(service)
        if own is not None:
            candidates.append(own)
            if own != OPERATIONAL:
                causes.add(found.incident)
    if not candidates:
        for upstream in subject.upstreams:
            given = [(incident, status[upstream]) for incident, status in open_steps if upstream in status]
            implied = worst(status for _, status in given)
            if implied != OPERATIONAL:
                candidates.append(implied)
                causes |= {incident for incident, status in given if status != OPERATIONAL}
    window = bool(subject.windows) and any(start <= moment < end for start, end in subject.windows)
    if window:
        candidates.append(MAINTENANCE)
    return worst(candidates), window, tuple(sorted(causes))


def worst(statuses: Iterable[str]) -> str:
    """The most severe of `statuses`; operational when there are none."""
    return max(statuses, key=severity, default=OPERATIONAL)
