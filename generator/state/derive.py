"""Stage 4, derive: the state of every service at one moment ("now"), computed, never typed twice.

The operator writes what happened (an incident, its updates); the site shows what that means
now: which services are down and why, what to use instead, what came back and when. "Now" is
a parameter, so builds are reproducible and the demo can be shown mid-outage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property

from generator.clock import shown
from generator.content.model import Alternative, Content, Incident, Maintenance, Service, severity
from generator.errors import Location, Problem
from generator.state.timeline import EPOCH, RECENT, timeline


@dataclass(frozen=True, slots=True)
class Restoration:
    """A service or upstream that came back, and the update that said so."""

    target: str
    at: datetime
    incident: str


@dataclass(frozen=True, slots=True)
class IncidentState:
    incident: Incident
    status: str
    is_open: bool
    resolved_at: datetime | None
    current: tuple[tuple[str, str], ...]
    restorations: tuple[Restoration, ...]
    visible_updates: int
    # What the state is wholly made from (state/fingerprint.py): its incident's origin and how many
    # of its updates are published, the only thing `incident_state` reads of `now`.
    origin: str | None = None

    def status_of(self, target: str) -> str | None:
        return dict(self.current).get(target)


@dataclass(frozen=True, slots=True)
class ServiceState:
    """A service's status now, with the reason a reader needs: which incident, which upstream."""

    service: str
    status: str
    incident: str | None = None
    upstream: str | None = None
    maintenance: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    implied: bool = False


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    incidents: tuple[IncidentState, ...]
    services: dict[str, ServiceState]
    upstreams: dict[str, str]
    active_maintenance: tuple[Maintenance, ...]
    upcoming_maintenance: tuple[Maintenance, ...]
    # When the state last changed and next changes by itself (state/timeline.py): what a page
    # states about its freshness, and when a scheduler or the preview should build again.
    changed_at: datetime | None = None
    next_change: datetime | None = None

    @property
    def as_of(self) -> datetime:
        """`changed_at` for outputs that must state a time (a feed's `updated`, a calendar's
        DTSTAMP): a site where nothing has happened yet states the Unix epoch, not the build's time."""
        return self.changed_at or EPOCH

    @property
    def overall(self) -> str:
        return max((s.status for s in self.services.values()), key=severity, default="operational")

    @property
    def open_incidents(self) -> tuple[IncidentState, ...]:
        return tuple(s for s in self.incidents if s.is_open)

    @cached_property
    def _by_id(self) -> dict[str, IncidentState]:
        return {s.incident.id: s for s in self.incidents}

    def incident(self, incident_id: str) -> IncidentState:
        """Looked up by id on every incident page, so it must not scan all incidents."""
        return self._by_id[incident_id]

    def recent_restorations(self) -> tuple[Restoration, ...]:
        """What came back during open incidents or in the last week, newest first."""
        found = [r for s in self._recent for r in s.restorations]
        return tuple(sorted(found, key=lambda r: (r.at, r.target), reverse=True))

    def recent_incidents(self) -> tuple[IncidentState, ...]:
        """Incidents a reader still cares about: open, or resolved within the last week."""
        return self._recent

    @cached_property
    def _recent(self) -> tuple[IncidentState, ...]:
        """Kept, since every view's home page and the preview's check after each save ask for it."""
        since = self.now - RECENT
        return tuple(s for s in self.incidents if s.is_open or (s.resolved_at and s.resolved_at > since))


def incident_state(incident: Incident, now: datetime) -> IncidentState:
    """Replay an incident's updates up to `now`: status per affected target and restore times."""
    status = {a.target: a.status for a in incident.affected}
    restored: dict[str, Restoration] = {}
    current_status, resolved_at, visible = "investigating", None, 0
    for update in incident.updates:
        if update.at > now:
            break
        visible += 1
        current_status = update.status
        changes = dict(update.changes)
        if update.status == "resolved":
            resolved_at = update.at
            changes.update({t: "operational" for t, s in status.items() if s != "operational"})
        for target, new in changes.items():
            if new == "operational" and status.get(target, "operational") != "operational":
                restored[target] = Restoration(target, update.at, incident.id)
            elif new != "operational":
                restored.pop(target, None)
            status[target] = new
    is_open = current_status != "resolved"
    return IncidentState(
        incident=incident, status=current_status, is_open=is_open, resolved_at=None if is_open else resolved_at,
        current=tuple(sorted(_pair(*item) for item in status.items())),
        restorations=tuple(sorted(restored.values(), key=lambda r: (r.at, r.target))), visible_updates=visible,
        origin=incident.origin and f"{incident.origin}\0{visible}",
    )


@cache
def _pair(target: str, status: str) -> tuple[str, str]:
    """One tuple per service and status, however many incidents' states hold it (150,000 tuples at
    50,000 incidents otherwise, held by the build and by every render worker)."""
    return target, status


def snapshot(content: Content, now: datetime) -> Snapshot:
    """The whole site's state at `now`; incidents that start later are not yet known."""
    states = tuple(incident_state(i, now) for i in content.incidents if i.started <= now)
    open_states = [s for s in states if s.is_open]
    upstreams = {u.id: _worst(s.status_of(u.id) for s in open_states) for u in content.catalog.upstreams}
    active = tuple(m for m in content.maintenance if m.starts <= now < m.ends)
    upcoming = tuple(m for m in content.maintenance if m.starts > now)
    services = {s.id: _service_state(s, content, open_states, upstreams, active) for s in content.catalog.services}
    times = timeline(content, now)
    return Snapshot(now, states, services, upstreams, active, upcoming, times.changed_at, times.next_change)


def _worst(statuses: object) -> str:
    found = [s for s in statuses if s]  # type: ignore[attr-defined]
    return max(found, key=severity, default="operational")


def upstreams_of(service: Service, content: Content) -> list[str]:
    """Upstreams a service relies on, directly or through other services (cycles are tolerated)."""
    found, seen, todo = [], {service.id}, list(service.depends_on)
    while todo:
        dep = todo.pop(0)
        if dep in seen:
            continue
        seen.add(dep)
        target = content.catalog.by_id.get(dep)
        if isinstance(target, Service):
            todo.extend(target.depends_on)
        elif target is not None:
            found.append(dep)
    return found


def _service_state(service: Service, content: Content, open_states: list[IncidentState],
                   upstreams: dict[str, str], active: tuple[Maintenance, ...]) -> ServiceState:
    """An incident entry naming the service wins; otherwise a down upstream makes it affected."""
    candidates: list[ServiceState] = []
    explicit = [(s, status) for s in open_states if (status := s.status_of(service.id)) is not None]
    for state, status in explicit:
        candidates.append(ServiceState(service.id, status, state.incident.id, _cause_upstream(state, service, content),
                                       alternatives=_alternatives(state.incident, service.id)))
    if not explicit:
        for upstream in upstreams_of(service, content):
            if upstreams[upstream] != "operational":
                state = next(s for s in open_states if s.status_of(upstream) == upstreams[upstream])
                candidates.append(ServiceState(service.id, upstreams[upstream], state.incident.id, upstream,
                                               alternatives=_alternatives(state.incident, upstream), implied=True))
    for window in active:
        if service.id in window.services:
            candidates.append(ServiceState(service.id, "under_maintenance", maintenance=window.id))
    if not candidates:
        return ServiceState(service.id, "operational")
    return max(candidates, key=lambda c: severity(c.status))


def _cause_upstream(state: IncidentState, service: Service, content: Content) -> str | None:
    """The upstream this service actually relies on that the incident marks down, else the
    incident's stated cause, unless services.yaml says the service relies on other upstreams
    only (a giro payment named in an incident caused by the ID registry is not down because of
    the ID registry, and a reader must not be told so)."""
    upstreams = upstreams_of(service, content)
    down = [u for u in upstreams if state.status_of(u) not in (None, "operational")]
    if down:
        return down[0]
    cause = state.incident.cause
    if cause is None or cause.upstream is None or (upstreams and cause.upstream not in upstreams):
        return None
    return cause.upstream


def _alternatives(incident: Incident, target: str) -> tuple[Alternative, ...]:
    return next((a.alternatives for a in incident.affected if a.target == target), ())


def incidents_by_service(content: Content, snap: Snapshot) -> dict[str, list[IncidentState]]:
    """Incidents per service, newest first as in `snap.incidents`, including those that hit it
    only through an upstream it depends on: what each service's page and feed list."""
    via = services_via(content)
    found: dict[str, list[IncidentState]] = {}
    for state in snap.incidents:
        for service_id in services_hit_by(state.incident, via):
            found.setdefault(service_id, []).append(state)
    return found


def services_via(content: Content) -> dict[str, set[str]]:
    """The services each id of the catalog stands for in an incident: a service itself; an
    upstream, the services that depend on it, directly or through other services (none when
    nothing does). An id outside the catalog (another affiliate's, in a section) stands for none."""
    via: dict[str, set[str]] = {upstream.id: set() for upstream in content.catalog.upstreams}
    via.update((service.id, {service.id}) for service in content.catalog.services)
    for service in content.catalog.services:
        for upstream in upstreams_of(service, content):
            via[upstream].add(service.id)
    return via


def services_hit_by(incident: Incident, via: dict[str, set[str]]) -> list[str]:
    """The services an incident hits, sorted: those it names, and those relying on an upstream it
    names, in `affected` or only in an update's `services` (which derive and the history's replay
    both apply, so a service's list and its "as of" time must count it too)."""
    targets = {affected.target for affected in incident.affected}
    targets.update(target for update in incident.updates if update.changes for target, _ in update.changes)
    hit: set[str] = set()
    for target in targets:
        hit |= via.get(target, set())
    return sorted(hit)


def implied_warnings(content: Content, snap: Snapshot) -> tuple[Problem, ...]:
    """Services shown affected only because an upstream they rely on is down: worth a second look."""
    found = []
    for state in snap.services.values():
        if state.implied and state.incident:
            incident = snap.incident(state.incident).incident
            found.append(Problem(
                Location(incident.source), f"service '{state.service}' is shown as {state.status} because it depends on "
                f"'{state.upstream}', but no incident lists it",
                f"list it under affected (with alternatives) if that is right, or add an entry with its real status"
                f" (as of {shown(snap.now, content.site.tz)})", "affected", severity="warning"))
    return tuple(found)


def last_activity(state: IncidentState) -> datetime:
    """When the incident last changed as of `now`: its newest published update, else its start.
    `check` keeps updates in order, so that is the last one published (asked 50,000 times a
    publish at 10,000 incidents: no scan)."""
    if state.visible_updates:
        return state.incident.updates[state.visible_updates - 1].at
    return state.incident.started


def service_changes(content: Content, snap: Snapshot, touched: dict[str, list[IncidentState]],
                    activity: Callable[[IncidentState], datetime] = last_activity) -> dict[str, datetime | None]:
    """When each service's state last changed: the newest published update of an incident that hits
    it, or a maintenance window of it opening or closing; None when nothing ever did. A service's
    page states this, not the site's last change, so an update about one service leaves every
    other service's page as it was."""
    passed = [(m, t) for m in content.maintenance for t in (m.starts, m.ends) if t <= snap.now]
    found: dict[str, datetime | None] = {}
    for service in content.catalog.services:
        moments = [activity(s) for s in touched.get(service.id, ())]
        moments += [t for m, t in passed if service.id in m.services]
        found[service.id] = max(moments, default=None)
    return found
