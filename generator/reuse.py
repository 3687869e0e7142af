"""Rendering only what changed: a page whose inputs are those the last build rendered it from
keeps the file that build wrote.

An operator posting one update to a group with 10,000 incidents should not wait for 20,000
unchanged incident pages to be rendered again (a minute of CPU). Each page gets a key: one
digest of everything it is rendered from. The keys are kept in the output's manifest beside the
digest of each file, so a page is taken from the last build only when its key is the same and
the file on disk is still the one that build wrote (the manifest is trusted only when every
file's size and mtime still match); it is then hard-linked into the new site unread, its digest
taken from the manifest.

What a page is rendered from is a contract with the theme, written down here and in
docs/performance.md:

- every page: Noticeboard's code, the theme's files, site.yaml, services.yaml and the build's
  settings (`--now`, `--affiliate`): the `base` key;
- an incident page: its incident's file, as derived at `now`;
- a maintenance page: its window's file;
- a history page: the files of the incidents it lists;
- a service page: the files of the incidents it lists, the service's state, and the file of the
  incident or window that state names.

Other pages (home, alternatives, widget, not found) read the whole site and are always rendered.
A theme whose incident or list pages show more than that must not rely on this: it can be built
with `--no-cache`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.derive import IncidentState, Snapshot
from generator.render import Page


@dataclass
class Reuse:
    """The last build's page keys, plus the keys of this build's pages."""

    base: str
    sources: dict[str, str]
    previous: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def unchanged(self, page: Page, shared: dict[str, Any]) -> bool:
        """Whether the last build rendered `page` from the same inputs, so its file can be kept
        as it is; either way the page's key (if it has one) is noted for the next build."""
        key = page_key(page, shared, self.sources, self.base)
        if key is None:
            return False
        self.keys[page.path] = key
        return self.previous.get(page.path) == key


def page_key(page: Page, shared: dict[str, Any], sources: dict[str, str], base: str) -> str | None:
    """One digest of what `page` is rendered from, or None for pages that read the whole site
    (or name a file whose digest is unknown)."""
    inputs = _inputs(page, shared)
    if inputs is None:
        return None
    files, state = inputs
    digests = [sources.get(name) for name in files]
    if None in digests:
        return None
    digest = hashlib.sha256(f"{base}\0{page.path}\0{page.template}\0{sorted(page.context.items())!r}\0{state}".encode())
    for name, file_digest in zip(files, digests):
        digest.update(f"\0{name}\0{file_digest}".encode())
    return digest.hexdigest()


def _inputs(page: Page, shared: dict[str, Any]) -> tuple[list[str], str] | None:
    """The notice files a page shows, and any derived state it shows beyond them."""
    snap: Snapshot = shared["snap"]
    if page.template == "incident.html":
        return [snap.incident(page.context["incident_id"]).incident.source], ""
    if page.template == "maintenance.html":
        window = next(m for m in shared["content"].maintenance if m.id == page.context["maintenance_id"])
        return [window.source], ""
    if page.template == "history.html":
        return _listed(state for _, states in shared["listing"][page.key] for state in states), ""
    if page.template == "service.html":
        state = snap.services[page.context["service_id"]]
        named = [snap.incident(state.incident).incident.source] if state.incident else []
        if state.maintenance:
            named += [m.source for m in shared["content"].maintenance if m.id == state.maintenance]
        return named + _listed(shared["listing"].get(page.key, ())), repr(state)
    return None


def _listed(states: Iterable[IncidentState]) -> list[str]:
    return [state.incident.source for state in states]
