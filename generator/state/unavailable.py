"""What the "unavailable now" list holds, and in what order: a customer reads it from the top.

Sorted by severity and then by id, a service came before the one it relies on (카드 발급 신청
before 신분증 진위확인) and one incident's services were mixed with another's. So the list is
grouped: by incident (the worst first), within an incident by cause (the upstream the incident
names as its cause, then the other upstreams in services.yaml's order, then the services it
names with no upstream to blame), and within a cause the services in services.yaml's order, the
operator's own, each just after the ones it relies on. Maintenance windows come after incidents
(a planned stop is the mildest state), one group each.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.content.model import Content, Service, severity
from generator.state.derive import ServiceState, Snapshot


@dataclass(frozen=True)
class Trouble:
    """Services not operational for one reason: one cause (`upstream`, or None for the incident
    itself) of one incident, or one maintenance window."""

    incident: str | None
    maintenance: str | None
    upstream: str | None
    states: tuple[ServiceState, ...]


def troubles(content: Content, snap: Snapshot) -> tuple[Trouble, ...]:
    """The view's services that are not operational now, grouped and ordered as above."""
    position = {s.id: n for n, s in enumerate(content.catalog.services)}
    down = sorted((s for s in snap.services.values() if s.status != "operational"), key=lambda s: position[s.service])
    grouped: dict[tuple[str, str, str | None], list[ServiceState]] = {}
    for state in down:
        grouped.setdefault((state.incident or "", state.maintenance or "", state.upstream), []).append(state)
    worst: dict[tuple[str, str], tuple[int, int]] = {}
    for state in down:  # per incident: its worst state, then where its first service is listed
        reason = (state.incident or "", state.maintenance or "")
        known = worst.get(reason, (0, position[state.service]))
        worst[reason] = (max(known[0], severity(state.status)), known[1])
    causes = {u.id: n for n, u in enumerate(content.catalog.upstreams, 1)}

    def order(key: tuple[str, str, str | None]) -> tuple[int, int, tuple[str, str], int]:
        incident, maintenance, upstream = key
        stated = snap.incident(incident).incident.cause if incident else None
        rank = 0 if upstream and stated and upstream == stated.upstream else causes.get(upstream or "", len(causes) + 1)
        severest, first = worst[incident, maintenance]
        return -severest, first, (incident, maintenance), rank

    return tuple(Trouble(key[0] or None, key[1] or None, key[2], _roots_first(grouped[key], content, position))
                 for key in sorted(grouped, key=order))


def _roots_first(states: list[ServiceState], content: Content, position: dict[str, int]) -> tuple[ServiceState, ...]:
    """`states` (in services.yaml's order) with the ones each service relies on, directly or
    through other services, placed just before it; a cycle is entered at its first service in
    that order. Depth first with a stack of its own, as a catalog's chain may be long."""
    members = {s.service: s for s in states}
    needs = {sid: sorted(_relied_on(sid, members, content), key=position.__getitem__) for sid in members}
    placed: dict[str, ServiceState] = {}
    entered: set[str] = set()
    for first in members:
        if first in entered:
            continue
        entered.add(first)
        stack = [(first, iter(needs[first]))]
        while stack:
            sid, deps = stack[-1]
            dep = next((d for d in deps if d not in entered), None)
            if dep is None:
                stack.pop()
                placed[sid] = members[sid]
            else:
                entered.add(dep)
                stack.append((dep, iter(needs[dep])))
    return tuple(placed.values())


def _relied_on(service_id: str, members: dict[str, ServiceState], content: Content) -> frozenset[str]:
    """The services among `members` that `service_id` relies on: the first met on each path of
    `depends_on`, followed through services that are not members."""
    found: set[str] = set()
    seen, todo = {service_id}, [service_id]
    while todo:
        service = content.catalog.by_id.get(todo.pop())
        if not isinstance(service, Service):
            continue
        for dep in service.depends_on:
            if dep in seen:
                continue
            seen.add(dep)
            if dep in members:
                found.add(dep)
            else:
                todo.append(dep)
    return frozenset(found)
