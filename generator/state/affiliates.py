"""A financial group's affiliates: one content tree, one section (or one site) per affiliate.

A group-wide incident is written once. Each affiliate's view keeps only what concerns it —
its own services, the upstreams they rely on, and the incidents that touch them — while the
states come from the whole group's snapshot, so propagation across affiliates stays intact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from generator.content.model import Affiliate, Catalog, Contact, Content, Incident, Text
from generator.errors import NoticeboardError
from generator.state.derive import IncidentState, Snapshot, upstreams_of
from generator.state.timeline import timeline


class UnknownAffiliateError(NoticeboardError):
    """`--affiliate` named an affiliate site.yaml doesn't declare."""


def find_affiliate(content: Content, affiliate_id: str) -> Affiliate:
    for affiliate in content.site.affiliates:
        if affiliate.id == affiliate_id:
            return affiliate
    known = ", ".join(a.id for a in content.site.affiliates) or "none are declared in site.yaml"
    raise UnknownAffiliateError(f"unknown affiliate '{affiliate_id}'; hint: known affiliates: {known}")


def services_of(content: Content, affiliate_id: str) -> list[str]:
    return [sid for g in content.catalog.groups if g.affiliate == affiliate_id for sid in g.services]


def affiliate_of(content: Content) -> dict[str, Affiliate]:
    """Each service's affiliate, on a group's site (an affiliate's section or site has none)."""
    found = {a.id: a for a in content.site.affiliates}
    return {sid: found[g.affiliate] for g in content.catalog.groups if g.affiliate in found for sid in g.services}


def contacts_for(content: Content, service_ids: Iterable[str]) -> list[tuple[Affiliate | None, tuple[Contact, ...]]]:
    """Whom a customer can call about these services when no alternative will do: each of their
    affiliates' contacts with a phone number (all of an affiliate's contacts if none has one), in
    site.yaml's order, then the group's own numbers; the site's contacts if that is nothing. In
    an affiliate's section (or its own site) the site's contacts are the affiliate's and the
    group's (`section`)."""
    mine = affiliate_of(content)
    wanted = {mine[s].id for s in service_ids if s in mine}
    found: list[tuple[Affiliate | None, tuple[Contact, ...]]] = [
        (a, _phones(a.contacts) or a.contacts) for a in content.site.affiliates if a.id in wanted and a.contacts]
    if phones := _phones(content.site.contacts):
        found.append((None, phones))
    return found or ([(None, content.site.contacts)] if content.site.contacts else [])


def _phones(contacts: tuple[Contact, ...]) -> tuple[Contact, ...]:
    return tuple(c for c in contacts if c.phone)


def section(content: Content, snap: Snapshot, affiliate_id: str) -> tuple[Content, Snapshot]:
    """Content and snapshot restricted to one affiliate, ready to render as its own site."""
    affiliate = find_affiliate(content, affiliate_id)
    mine = set(services_of(content, affiliate_id))
    relevant = mine | {u for s in content.catalog.services if s.id in mine for u in upstreams_of(s, content)}
    catalog = Catalog(content.catalog.upstreams,
                      tuple(g for g in content.catalog.groups if g.affiliate == affiliate_id),
                      tuple(s for s in content.catalog.services if s.id in mine))
    catalog.by_id.update(content.catalog.by_id)
    incidents = {i.id: _narrow(i, relevant) for i in content.incidents if _touches(i, relevant)}
    states = tuple(_narrow_state(s, incidents[s.incident.id], relevant) for s in snap.incidents
                   if s.incident.id in incidents)
    windows = tuple(m for m in content.maintenance if mine.intersection(m.services))
    site = replace(content.site, title=_joined(affiliate.name, content.site.title, content.site.languages),
                   contacts=affiliate.contacts + content.site.contacts, affiliates=())
    narrowed = Content(site, catalog, tuple(incidents.values()), windows)
    times = timeline(narrowed, snap.now)
    view = Snapshot(
        now=snap.now, incidents=states, services={s: snap.services[s] for s in sorted(mine)},
        upstreams=snap.upstreams,
        active_maintenance=tuple(m for m in snap.active_maintenance if m in windows),
        upcoming_maintenance=tuple(m for m in snap.upcoming_maintenance if m in windows),
        changed_at=times.changed_at, next_change=times.next_change,
    )
    return narrowed, view


def _touches(incident: Incident, relevant: set[str]) -> bool:
    return any(a.target in relevant for a in incident.affected)


def _narrow(incident: Incident, relevant: set[str]) -> Incident:
    """The incident with only what concerns the section; the incident itself when that is all of
    it, rather than a copy held by the build and by every render worker."""
    affected = tuple(a for a in incident.affected if a.target in relevant)
    if len(affected) == len(incident.affected):
        return incident
    origin = incident.origin and incident.origin + "\0" + ",".join(a.target for a in affected)
    return replace(incident, affected=affected, origin=origin)


def _narrow_state(state: IncidentState, incident: Incident, relevant: set[str]) -> IncidentState:
    """As `_narrow`, for the incident's state."""
    current = tuple((t, s) for t, s in state.current if t in relevant)
    restorations = tuple(r for r in state.restorations if r.target in relevant)
    if incident is state.incident and (len(current), len(restorations)) == (len(state.current), len(state.restorations)):
        return state
    origin = incident.origin and f"{incident.origin}\0{state.visible_updates}\0{','.join(t for t, _ in current)}"
    return replace(state, incident=incident, current=current, restorations=restorations, origin=origin)


def _joined(first: Text, second: Text, languages: tuple[str, ...]) -> Text:
    default = languages[0]
    joined = {lang: f"{first.get(lang, default)} · {second.get(lang, default)}" for lang in languages}
    return Text(tuple(item for pair in joined.items() for item in pair))
