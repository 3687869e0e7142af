"""Which pages a site has, and under which paths: the plan both the renderer and the machine
outputs (the sitemap, the API's links) read, so the two can never disagree about a page.

Like Pelican, every output path is planned up front, so a path claimed twice is a bug we catch
rather than a page silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.content.model import Content
from generator.state import listing
from generator.state.affiliates import section as section_view
from generator.state.derive import Snapshot, incidents_by_service
from generator.state.listing import numbered, page_count


class DuplicateOutputError(RuntimeError):
    """Two outputs planned for one path: a generator bug, never the operator's fault."""


class Claims:
    """Every output path of one build, claimed before it is made, so two outputs for one path
    raise DuplicateOutputError instead of one silently replacing the other."""

    def __init__(self) -> None:
        self._claimed: set[str] = set()

    def claim(self, path: str) -> None:
        if path in self._claimed:
            raise DuplicateOutputError(f"two outputs claim {path}")
        self._claimed.add(path)

    def __contains__(self, path: str) -> bool:
        return path in self._claimed


def language_prefix(content: Content, language: str) -> str:
    return "" if language == content.site.default_language else f"{language}/"


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    language: str
    key: str
    section: str = ""
    context: dict[str, Any] = field(default_factory=dict, compare=False)


def plan_pages(content: Content, snap: Snapshot, section: str = "",
               by_service: dict[str, list[Any]] | None = None) -> list[Page]:
    """Every page of one view; `key` is the path inside the view, shared by all languages, used
    for the language switch.

    Each incident, service and maintenance window has one page, in the group's view (or at the
    root of an affiliate's own site). An affiliate's section (`section` = "bank/") has its own
    home, history, alternatives and widget, listing what touches the affiliate and linking to
    those pages: copying every incident page into each section it touches made 2.8 pages per
    incident and language, most of a 10,000-incident build's time and output. Lists are
    paginated, so no page grows with the number of incidents; `by_service` (the view's shared
    context has it) saves working out again how many pages each service's list needs."""
    keys: list[tuple[str, str, dict[str, Any]]] = [("index.html", "index.html", {}),
                                                    ("alternatives.html", "alternatives.html", {}),
                                                    ("widget.html", "widget.html", {}),
                                                    ("follow.html", "follow.html", {})]
    keys += _numbered_keys("history", "history.html", len(listing.past(snap)), listing.HISTORY_PAGE_SIZE, {})
    if not section:
        by_service = incidents_by_service(content, snap) if by_service is None else by_service
        keys += [(f"incidents/{s.incident.id}.html", "incident.html", {"incident_id": s.incident.id})
                 for s in snap.incidents]
        for service in content.catalog.services:
            keys += _numbered_keys(f"services/{service.id}", "service.html", len(by_service.get(service.id, ())),
                                   listing.SERVICE_PAGE_SIZE, {"service_id": service.id})
        keys += [(f"maintenance/{m.id}.html", "maintenance.html", {"maintenance_id": m.id}) for m in content.maintenance]
    prefixes = {lang: language_prefix(content, lang) + section for lang in content.site.languages}
    pages = [Page(prefixes[lang] + key, template, lang, key, section, ctx)
             for lang in content.site.languages for key, template, ctx in keys]
    if not section:
        pages.append(Page("404.html", "404.html", content.site.default_language, "404.html"))
    return pages


def _numbered_keys(base: str, template: str, entries: int, size: int,
                   context: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    pages = page_count(entries, size)
    return [(numbered(base, n), template, {**context, "page_number": n, "page_count": pages})
            for n in range(1, pages + 1)]


def views(content: Content, snap: Snapshot) -> list[tuple[str, Content, Snapshot]]:
    """The group's pages at the root, then one section per affiliate (`bank/`, `card/` …).

    The last answer is kept for the same two objects: the pages and the machine outputs
    (machine.Derived) both need the views, and narrowing 10,000 incidents to each affiliate
    takes about 0.6 s. Keyed by identity, since the model is frozen; the callers only read it."""
    if _LAST_VIEWS and _LAST_VIEWS[0][0] is content and _LAST_VIEWS[0][1] is snap:
        return _LAST_VIEWS[0][2]
    found = [("", content, snap)]
    for affiliate in content.site.affiliates:
        found.append((f"{affiliate.id}/", *section_view(content, snap, affiliate.id)))
    _LAST_VIEWS[:] = [(content, snap, found)]
    return found


_LAST_VIEWS: list[tuple[Content, Snapshot, list[tuple[str, Content, Snapshot]]]] = []
