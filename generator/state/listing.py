"""What a view's lists hold: each service's incidents, each history page's past incidents under
month headings (an open incident is not past: the history shows it above them), each service
page's slice, and the services each incident hits, in services.yaml's order.

A build works them out whole. The preview updates the last ones after an edit instead: the lists
an edit did not touch stay the very same objects, so checking which rendered pages read a
changed value (depends.py) finds them unchanged at the cost of an identity test, and the save
does not pay again for 10,000 incidents that did not change.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import is_
from typing import Any

from generator.clock import local
from generator.content.model import Content, incident_order
from generator.state.derive import IncidentState, Snapshot, incidents_by_service, services_hit_by, services_via

HISTORY_PAGE_SIZE = 100
SERVICE_PAGE_SIZE = 50

Listing = dict[str, list[Any]]


def numbered(base: str, number: int) -> str:
    """The key of page `number` of a paginated list: `history.html`, then `history/2.html` …
    (ids never hold a '/', so these can't collide with an incident's or a service's page)."""
    return f"{base}.html" if number == 1 else f"{base}/{number}.html"


def past(snap: Snapshot) -> list[IncidentState]:
    """The incidents the history's pages list: resolved ones, newest first. Open incidents are
    shown above them on its first page, never among the past."""
    return [s for s in snap.incidents if not s.is_open]


def page_count(entries: int, size: int) -> int:
    """Pages a list of `entries` needs; an empty list still gets its one page saying so."""
    return max(1, -(-entries // size))


@dataclass(frozen=True)
class Lists:
    """One view's lists. `listing` is keyed by page key (`history/2.html`, `services/id-check.html`),
    so the preview, which tracks what each page read, re-renders only pages whose own slice changed."""

    by_service: dict[str, list[IncidentState]]
    listing: Listing
    services_hit: dict[str, tuple[str, ...]]


def lists(content: Content, snap: Snapshot) -> Lists:
    """Every list of one view, worked out from the model."""
    by_service = incidents_by_service(content, snap)
    listing = {numbered("history", n): _by_month(chunk, content)
               for n, chunk in enumerate(_chunks(past(snap), HISTORY_PAGE_SIZE), 1)}
    for service_id, states in by_service.items():
        listing.update(_service_pages(service_id, states))
    return Lists(by_service, listing, _services_hit(by_service, content))


def updated(last: Lists, last_snap: Snapshot, content: Content, snap: Snapshot, changed: Collection[str]) -> Lists:
    """`lists(content, snap)`, from the last build's lists when only the incidents with
    ids in `changed` differ (edited, added or deleted) and every other incident state is the
    same object as before."""
    via = services_via(content)
    gone = [s for s in last_snap.incidents if s.incident.id in changed]
    fresh = [(s, services_hit_by(s.incident, via)) for s in snap.incidents if s.incident.id in changed]
    touched = {service for s in gone for service in services_hit_by(s.incident, via)}
    touched |= {service for _, services in fresh for service in services}
    by_service = _updated_by_service(last.by_service, touched, changed, fresh)
    listing = _updated_history(last.listing, last_snap, content, snap)
    for service_id, states in by_service.items():
        if last.by_service.get(service_id) is states:
            listing.update(_kept_service_pages(last.listing, service_id, len(states)))
        else:
            listing.update(_service_pages(service_id, states))
    hit = {incident: services for incident, services in last.services_hit.items() if incident not in changed}
    order = _catalog_order(content)
    hit |= {s.incident.id: _shared(tuple(sorted(services, key=order.__getitem__)), {})
            for s, services in fresh if services}
    return Lists(by_service, listing, hit)


def _updated_by_service(last: dict[str, list[IncidentState]], touched: set[str], changed: Collection[str],
                        fresh: list[tuple[IncidentState, list[str]]]) -> dict[str, list[IncidentState]]:
    """Per-service lists with the changed incidents taken out and their new states (each with the
    services it hits) put in, in `snap.incidents`' order (`incident_order`, newest first);
    untouched lists are kept as they are."""
    found = {service: states for service, states in last.items() if service not in touched}
    for service in sorted(touched):
        states = [s for s in last.get(service, ()) if s.incident.id not in changed]
        states += [s for s, services in fresh if service in services]
        if states:
            found[service] = sorted(states, key=lambda s: incident_order(s.incident), reverse=True)
    return found


def _updated_history(last: Listing, last_snap: Snapshot, content: Content, snap: Snapshot) -> Listing:
    """History pages whose incidents are the same objects as before keep their month lists."""
    old = _chunks(past(last_snap), HISTORY_PAGE_SIZE)
    found: Listing = {}
    for n, chunk in enumerate(_chunks(past(snap), HISTORY_PAGE_SIZE), 1):
        key = numbered("history", n)
        same = n <= len(old) and len(old[n - 1]) == len(chunk) and all(map(is_, old[n - 1], chunk))
        found[key] = last[key] if same else _by_month(chunk, content)
    return found


def _service_pages(service_id: str, states: list[IncidentState]) -> Listing:
    return {numbered(f"services/{service_id}", n): chunk
            for n, chunk in enumerate(_chunks(states, SERVICE_PAGE_SIZE), 1)}


def _kept_service_pages(last: Listing, service_id: str, entries: int) -> Listing:
    keys = (numbered(f"services/{service_id}", n) for n in range(1, page_count(entries, SERVICE_PAGE_SIZE) + 1))
    return {key: last[key] for key in keys}


def _services_hit(by_service: dict[str, list[IncidentState]], content: Content) -> dict[str, tuple[str, ...]]:
    """The view's services each incident hits, directly or through an upstream, in services.yaml's
    order: what the history names beside each incident (in a section, only the section's own)."""
    hit: dict[str, list[str]] = {}
    for service in content.catalog.services:
        for state in by_service.get(service.id, ()):
            hit.setdefault(state.incident.id, []).append(service.id)
    kept: dict[tuple[str, ...], tuple[str, ...]] = {}
    return {incident: _shared(tuple(services), kept) for incident, services in hit.items()}


def _shared(services: tuple[str, ...], kept: dict[tuple[str, ...], tuple[str, ...]]) -> tuple[str, ...]:
    """One tuple for each set of services however many incidents hit it (thousands of incidents
    hit the same few services)."""
    return kept.setdefault(services, services)


def _catalog_order(content: Content) -> dict[str, int]:
    return {service.id: n for n, service in enumerate(content.catalog.services)}


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """A list cut into pages of `size`; at least one page, empty when there is nothing to list."""
    return [list(items[start:start + size]) for start in range(0, len(items), size)] or [[]]


def _by_month(states: list[Any], content: Content) -> list[tuple[tuple[int, int], list[Any]]]:
    """One history page's incidents (newest first) under a heading per month of their start."""
    by_month: dict[tuple[int, int], list[Any]] = {}
    for state in states:
        started = local(state.incident.started, content.site.tz)
        by_month.setdefault((started.year, started.month), []).append(state)
    return sorted(by_month.items(), reverse=True)
