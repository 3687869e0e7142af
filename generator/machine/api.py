"""The status as static JSON shaped like Atlassian Statuspage's public v2 API.

Monitors, chat bots and other banks' systems already speak Statuspage; giving them the same
paths, field names and enums lets them read us unchanged. Service groups become component groups
(`group: true`), services become components. What our model knows beyond Statuspage (alternatives,
the upstream at fault, restore times, what was not recovered) sits under a `noticeboard` key on
the object it describes, which existing clients ignore. docs/api.md is the contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from generator.clock import iso
from generator.content.markup import plain_text
from generator.content.model import Alternative, Content, Incident, Maintenance, Service, Update
from generator.machine.availability import history_json, outages_json
from generator.machine.derived import Derived, absolute, text
from generator.state.derive import IncidentState, Snapshot, service_changes
from generator.state.plan import language_prefix
from generator.state.rollup import Rollup, rollup

LIST_LIMIT = 50  # Statuspage's incidents.json and scheduled-maintenances.json also stop at the latest 50
INDICATORS = {"operational": "none", "under_maintenance": "minor", "degraded_performance": "minor",
              "partial_outage": "major", "major_outage": "critical"}

Json = dict[str, Any]


@dataclass(frozen=True)
class Times:
    """When one view last changed, per page and per service, and when each service came back
    (recently): the same in every language, and reading every incident, so worked out once per
    view rather than per document."""

    updated: datetime
    first: datetime
    changed: dict[str, datetime]
    restored: dict[str, datetime]


@dataclass(frozen=True)
class View:
    """One language of one view (the group, or an affiliate section): everything a document needs."""

    content: Content
    snap: Snapshot
    language: str
    section: str
    model: Derived
    times: Times

    @property
    def prefix(self) -> str:
        return language_prefix(self.content, self.language) + self.section

    def t(self, value: Any) -> str | None:
        return text(value, self.language, self.content)

    def iso(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso(moment, self.content.site.tz)

    def url(self, path: str) -> str:
        return absolute(self.content.site, self.prefix + path)

    def page_url(self, path: str) -> str:
        """An incident's, service's or window's page: the group's one, which affiliate sections link to."""
        return absolute(self.content.site, language_prefix(self.content, self.language) + path)

    @property
    def page_id(self) -> str:
        """The site's address without scheme or language: one page, whichever language is read."""
        return absolute(self.content.site, self.section).split("://", 1)[-1].rstrip("/")


def produce(model: Derived) -> dict[str, bytes]:
    """`api/v2/*.json` for the default language, `en/api/v2/…` per other language, and the same
    under each affiliate's section (`bank/api/v2/…`)."""
    files: dict[str, bytes] = {}
    content = model.content
    for section, view_content, view_snap in model.views:
        times = _times(view_content, view_snap, model.activity, model.by_service(section))
        for language in content.site.languages:
            view = View(view_content, view_snap, language, section, model, times)
            for name, document in documents(view).items():
                files[f"{view.prefix}api/v2/{name}"] = _dump(document)
    return files


def documents(view: View) -> dict[str, Json]:
    snap = view.snap
    page, components = _page(view), _components(view)
    unresolved = [_incident(view, s) for s in snap.open_incidents]
    upcoming = [_maintenance(view, m) for m in snap.upcoming_maintenance]
    active = [_maintenance(view, m) for m in snap.active_maintenance]
    recent = sorted(view.content.maintenance, key=lambda m: (m.starts, m.id), reverse=True)[:LIST_LIMIT]
    summed = rollup(snap, snap.services)
    status = {"indicator": INDICATORS[snap.overall],
              "description": view.model.words.word(view.language, summed.headline()),
              "noticeboard": {"rollup": _rollup(view, summed)}}
    upstreams = [{"id": u.id, "name": view.t(u.name), "status": snap.upstreams[u.id]}
                 for u in view.content.catalog.upstreams if u.id in snap.upstreams]
    return {
        "summary.json": {"page": page, "status": status, "components": components, "incidents": unresolved,
                         "scheduled_maintenances": active + upcoming,
                         "noticeboard": {"upstreams": upstreams, "availability": _view_history(view)}},
        "status.json": {"page": page, "status": status},
        "components.json": {"page": page, "components": components, "noticeboard": {"upstreams": upstreams}},
        "incidents.json": {"page": page, "incidents": [_incident(view, s) for s in _latest_incidents(snap)]},
        "incidents/unresolved.json": {"page": page, "incidents": unresolved},
        "scheduled-maintenances.json": {"page": page, "scheduled_maintenances": [_maintenance(view, m) for m in recent]},
        "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
        "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
    }


def _view_history(view: View) -> Json:
    """The view's own rollup: an affiliate's in its section, else every service of the site."""
    history = view.model.history
    found = history.affiliates.get(view.section.rstrip("/")) if view.section else None
    return history_json(found or history.total)


def _dump(document: Json) -> bytes:
    """Sorted keys for byte-identical rebuilds; <, > and & as \\u escapes so no text an operator
    typed can ever read as markup, even if a client pastes the JSON into a page. Compact, as
    Statuspage serves it: with an indent the json module falls back from its C encoder to Python."""
    raw = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n").encode("utf-8")


def _latest_incidents(snap: Snapshot) -> list[IncidentState]:
    """The latest 50 by start, plus any older one still unresolved (Statuspage keeps those too)."""
    latest = snap.incidents[:LIST_LIMIT]
    return list(latest) + [s for s in snap.incidents[LIST_LIMIT:] if s.is_open]


def _times(content: Content, snap: Snapshot, activity: Callable[[IncidentState], datetime],
           touched: dict[str, list[IncidentState]]) -> Times:
    """The page's `updated_at` is the newest event published by now; components have no creation
    date in our content, so the earliest event the site knows stands in for it, and a service's
    `updated_at` is the newest event that concerns it (else that first one)."""
    passed = [(m, t) for m in content.maintenance for t in (m.starts, m.ends) if t <= snap.now]
    latest = {s.incident.id: activity(s) for s in snap.incidents}
    events = [*latest.values(), *(t for _, t in passed)]
    known = [s.incident.started for s in snap.incidents]
    known += [m.starts for m in content.maintenance if m.starts <= snap.now]
    first = min(known, default=snap.as_of)
    changed = {sid: moment or first for sid, moment in service_changes(content, snap, touched, activity).items()}
    restored: dict[str, datetime] = {}
    for restoration in reversed(snap.recent_restorations()):
        restored[restoration.target] = restoration.at
    return Times(max(events, default=snap.as_of), first, changed, restored)


def _page(view: View) -> Json:
    content, snap = view.content, view.snap
    return {
        "id": view.page_id, "name": view.t(content.site.title), "url": view.url(""),
        "time_zone": content.site.timezone, "updated_at": view.iso(view.times.updated),
        "noticeboard": {"language": view.language, "changed_at": view.iso(snap.changed_at),
                        "next_change": view.iso(snap.next_change)},
    }


def _components(view: View) -> list[Json]:
    """Groups and their services in display order, each group before its members, as Statuspage lists them."""
    catalog, snap = view.content.catalog, view.snap
    tz = view.content.site.tz
    created = iso(view.times.first, tz)
    restored = view.times.restored
    changed = {sid: iso(moment, tz) for sid, moment in view.times.changed.items()}
    services = {s.id: s for s in catalog.services}
    found: list[Json] = []
    for group in catalog.groups:
        members = [sid for sid in group.services if sid in snap.services]
        summed = rollup(snap, members)
        found.append({
            "id": group.id, "name": view.t(group.name), "status": summed.status, "created_at": created,
            "updated_at": max((changed[sid] for sid in members), default=created), "position": len(found) + 1,
            "description": None, "showcase": False, "group_id": None, "group": True,
            "only_show_if_degraded": False, "page_id": view.page_id, "components": members,
            "noticeboard": {"affiliate": group.affiliate, "rollup": _rollup(view, summed),
                            "availability": history_json(view.model.history.entries[group.id])},
        })
        for sid in members:
            found.append(_component(view, services[sid], group.id, len(found) + 1, (created, changed[sid]),
                                    restored.get(sid)))
    return found


def _rollup(view: View, summed: Rollup) -> Json:
    """A status that sums up many services (a group's, the page's) as the pages word it: the
    worst status's word alone only when every service is in it."""
    return {"status": summed.status, "count": summed.count, "total": summed.total,
            "text": summed.text(partial(view.model.words.word, view.language))}


def _component(view: View, service: Service, group_id: str, position: int, times: tuple[str | None, str | None],
               restored: datetime | None) -> Json:
    """`times` is (created_at, updated_at); `restored` when it came back in a recent incident."""
    service_id = service.id
    state = view.snap.services[service_id]
    upstream = view.content.catalog.by_id.get(state.upstream) if state.upstream else None
    return {
        "id": service_id, "name": view.t(service.name), "status": state.status, "created_at": times[0],
        "updated_at": times[1], "position": position, "description": view.t(service.description),
        "showcase": True, "group_id": group_id, "group": False, "only_show_if_degraded": False,
        "page_id": view.page_id,
        "noticeboard": {
            "url": view.page_url(f"services/{service_id}.html"), "channels": list(service.channels),
            "incident_id": state.incident, "maintenance_id": state.maintenance,
            "upstream": None if upstream is None else {"id": upstream.id, "name": view.t(upstream.name)},
            "implied": state.implied, "alternatives": [_alternative(view, a) for a in state.alternatives],
            "restored_at": view.iso(restored),
            "availability": history_json(view.model.history.entries[service_id]),
        },
    }


def _alternative(view: View, alternative: Alternative) -> Json:
    return {"text": view.t(alternative.text), "channels": list(alternative.channels),
            "audience": view.t(alternative.audience)}


def _component_refs(view: View, service_ids: list[str]) -> list[Json]:
    """Affected components as Statuspage embeds them: the component with its current status."""
    return [{"id": sid, "name": view.t(view.content.catalog.by_id[sid].name), "status": view.snap.services[sid].status,
             "page_id": view.page_id} for sid in service_ids]


def _incident(view: View, state: IncidentState) -> Json:
    incident = state.incident
    visible = incident.updates[: state.visible_updates]
    services = [a.target for a in incident.affected if a.kind == "service" and a.target in view.snap.services]
    monitoring = next((u.at for u in visible if u.status == "monitoring"), None)
    changes = _changes(incident, visible, set(view.snap.services))
    updates = [_update(view, incident.id, n, update, changes[n - 1]) for n, update in enumerate(visible, 1)]
    return {
        "id": incident.id, "name": view.t(incident.title), "status": state.status, "impact": incident.impact,
        "created_at": view.iso(incident.started), "started_at": view.iso(incident.started),
        "updated_at": view.iso(view.model.activity(state)), "monitoring_at": view.iso(monitoring),
        "resolved_at": view.iso(state.resolved_at), "shortlink": view.page_url(f"incidents/{incident.id}.html"),
        "page_id": view.page_id, "incident_updates": updates[::-1], "components": _component_refs(view, services),
        "noticeboard": _incident_extra(view, state, visible),
    }


def _update(view: View, incident_id: str, number: int, update: Update, moves: list[tuple[str, str, str]]) -> Json:
    """Ids count updates in time order, so a new update never renumbers the earlier ones."""
    at = view.iso(update.at)
    changes = [{"code": code, "name": view.t(view.content.catalog.by_id[code].name), "old_status": old,
                "new_status": new} for code, old, new in moves]
    return {"id": f"{incident_id}-{number}", "incident_id": incident_id, "status": update.status,
            "body": plain_text(view.t(update.body) or ""), "created_at": at, "updated_at": at, "display_at": at,
            "affected_components": changes or None}


def _changes(incident: Incident, visible: tuple[Update, ...], services: set[str]) -> list[list[tuple[str, str, str]]]:
    """Per update, which components moved from what to what, replayed the way derive reads them:
    the first update announces the initial statuses, a resolving update brings everything back."""
    status = {a.target: "operational" for a in incident.affected}
    pending = {a.target: a.status for a in incident.affected}
    found: list[list[tuple[str, str, str]]] = []
    for update in visible:
        moved = {**pending, **dict(update.changes)}
        pending = {}
        if update.status == "resolved":
            moved.update({t: "operational" for t in status})
        found.append([(t, status.get(t, "operational"), new) for t, new in sorted(moved.items())
                      if t in services and status.get(t, "operational") != new])
        status.update(moved)
    return found


def _incident_extra(view: View, state: IncidentState, visible: tuple[Update, ...]) -> Json:
    incident, catalog = state.incident, view.content.catalog
    cause = incident.cause
    progress = next((u.progress for u in reversed(visible) if u.progress is not None), None)
    return {
        "cause": None if cause is None else {
            "upstream": cause.upstream, "description": view.t(cause.description),
            "upstream_name": view.t(catalog.by_id[cause.upstream].name) if cause.upstream in catalog.by_id else None},
        "affected": [{"id": a.target, "kind": a.kind, "name": view.t(catalog.by_id[a.target].name),
                      "status": state.status_of(a.target), "alternatives": [_alternative(view, x) for x in a.alternatives]}
                     for a in incident.affected if a.target in catalog.by_id],
        "restored": [{"id": r.target, "restored_at": view.iso(r.at)} for r in state.restorations],
        "not_recovered": [view.t(item) for item in incident.not_recovered],
        "next_update": view.iso(visible[-1].next_update) if state.is_open and visible else None,
        "outages": outages_json(o for o in view.model.history.outages[incident.id] if o.service in view.snap.services),
        "progress": None if progress is None else {
            "restored": progress.overall.restored, "total": progress.overall.total,
            "percent": round(progress.overall.percent, 1),
            "tiers": [{"name": view.t(t.name), "restored": t.restored, "total": t.total, "percent": round(t.percent, 1)}
                      for t in progress.tiers]},
    }


def _maintenance(view: View, window: Maintenance) -> Json:
    """Our windows carry no announcement time, so created_at is the start or, before it, the
    time the site's state last changed: never a time in the future, nor the build's own time.
    Status follows the clock: scheduled, in_progress, completed."""
    now = view.snap.now
    status = "scheduled" if now < window.starts else "in_progress" if now < window.ends else "completed"
    created = min(window.starts, view.snap.as_of)
    updated = max((t for t in (window.starts, window.ends) if t <= now), default=created)
    services = [sid for sid in window.services if sid in view.snap.services]
    body = plain_text(view.t(window.body) or "") or view.t(window.title)
    return {
        "id": window.id, "name": view.t(window.title), "status": status, "impact": "maintenance",
        "created_at": view.iso(created), "updated_at": view.iso(updated), "started_at": view.iso(window.starts),
        "scheduled_for": view.iso(window.starts), "scheduled_until": view.iso(window.ends),
        "monitoring_at": None, "resolved_at": view.iso(window.ends) if status == "completed" else None,
        "shortlink": view.page_url(f"maintenance/{window.id}.html"), "page_id": view.page_id,
        "incident_updates": [{"id": f"{window.id}-{status}", "incident_id": window.id, "status": status, "body": body,
                              "created_at": view.iso(updated), "updated_at": view.iso(updated),
                              "display_at": view.iso(updated), "affected_components": None}],
        "components": _component_refs(view, services),
    }
