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

- every page: Noticeboard's code, the theme's files, site.yaml, services.yaml and `--affiliate`:
  the `base` key;
- an incident page: its incident's file and how many of its updates are published at `now`
  (which is all its state reads of `now`), and `now` itself while the incident is open, as the
  page then states the time its status is as of;
- a maintenance page: its window's file;
- a history page: the files of the incidents it lists and how many updates of each are published;
- a service's first page: `now` (it states the time its status is as of), the files of the
  incidents it lists with their published updates, the service's state, and the file of the
  incident or window that state names; its further pages, which list older incidents only: the
  files of those incidents and their published updates, as a history page.

`now` is in no other page's key: an operator's build runs at the current time, and when every
page stated it, a build after one edit rendered every page again (at 10,000 incidents 21,901 of
23,712 files, 15 s).

Other pages (home, alternatives, widget, not found) read the whole site and are always rendered.
A theme whose incident or list pages show more than that must not rely on this: it can be built
with `--no-cache`.

Machine outputs are keyed the same way, by the producer that writes them (`Derived.unchanged`):
a service's feeds by the files of the incidents that hit it; a view's incident feeds by the files
of the incidents they list; a view's calendar by its windows' files; the sitemap by the list of
pages. They are written in Noticeboard's own words (the bundled theme's labels), which `base`
covers as well. The JSON API states when the site last changed, which reads every notice, so it
is produced on every build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.site.render import Page
from generator.state.derive import IncidentState, Snapshot, published


@dataclass
class Reuse:
    """The last build's keys, the keys of this build's pages and outputs, and `link`: what takes a
    file from the last build into the new one (write.Staging.keep), False if it can't."""

    base: str
    sources: dict[str, str]
    previous: dict[str, str]
    link: Callable[[str], bool]
    keys: dict[str, str] = field(default_factory=dict)

    def page(self, page: Page, shared: dict[str, Any]) -> bool:
        """Whether `page` was taken from the last build, which rendered it from the same inputs;
        either way its key (if it has one) is noted for the next build."""
        return self._kept(page.path, page_key(page, shared, self.sources, self.base))

    def output(self, path: str, files: Sequence[str], state: str) -> bool:
        """Whether the machine output at `path` was taken from the last build, which made it from
        the same notice `files` and `state`; either way its key is noted for the next build."""
        return self._kept(path, _digest(self.base, f"{path}\0{state}", files, self.sources))

    def _kept(self, path: str, key: str | None) -> bool:
        if key is None:
            return False
        self.keys[path] = key
        return self.previous.get(path) == key and self.link(path)


def page_key(page: Page, shared: dict[str, Any], sources: dict[str, str], base: str) -> str | None:
    """One digest of what `page` is rendered from, or None for pages that read the whole site
    (or name a file whose digest is unknown)."""
    inputs = _inputs(page, shared)
    if inputs is None:
        return None
    files, state = inputs
    return _digest(base, f"{page.path}\0{page.template}\0{sorted(page.context.items())!r}\0{state}", files, sources)


def _digest(base: str, head: str, files: Sequence[str], sources: dict[str, str]) -> str | None:
    """The digest of `base`, `head` and each of `files` with its content digest; None when a file's
    digest is unknown."""
    try:
        listed = "".join([f"\0{name}\0{sources[name]}" for name in files])
    except KeyError:
        return None
    return hashlib.sha256(f"{base}\0{head}{listed}".encode()).hexdigest()


def _inputs(page: Page, shared: dict[str, Any]) -> tuple[list[str], str] | None:
    """The notice files a page shows, and any derived state it shows beyond them."""
    snap: Snapshot = shared["snap"]
    if page.template == "incident.html":
        state = snap.incident(page.context["incident_id"])
        return [state.incident.source], f"{state.visible_updates}|{snap.now.isoformat() if state.is_open else ''}"
    if page.template == "maintenance.html":
        window = next(m for m in shared["content"].maintenance if m.id == page.context["maintenance_id"])
        return [window.source], ""
    if page.template == "history.html":
        return _listed(state for _, states in shared["listing"][page.key] for state in states)
    if page.template == "service.html":
        files, published = _listed(shared["listing"].get(page.key, ()))
        if page.context["page_number"] > 1:  # older incidents only, as a history page
            return files, published
        state = snap.services[page.context["service_id"]]
        named = [snap.incident(state.incident).incident.source] if state.incident else []
        if state.maintenance:
            named += [m.source for m in shared["content"].maintenance if m.id == state.maintenance]
        return named + files, f"{snap.now.isoformat()}|{state!r}|{published}"
    return None


def _listed(states: Iterable[IncidentState]) -> tuple[list[str], str]:
    """The listed incidents' files, and how many updates of each are published at `now`."""
    listed = list(states)
    return [state.incident.source for state in listed], published(listed)
