"""The preview's rebuild: re-read only the files that changed, re-render only the pages that read what changed.

A full build of a big site takes seconds; an operator fixing one notice should see it at once.
So the preview keeps the last good build in memory and, after an edit of incidents or maintenance:

1. re-reads and re-checks only the files the watcher named (notices.py);
2. re-derives the states of changed incidents only, and updates the affiliate sections they touch;
3. keeps each rendered page whose recorded facts (depends.py) are equal in the new build; the
   others are rendered when first requested, so the reload event does not wait for pages nobody
   is looking at; the machine-readable outputs (feeds, API, calendars) are likewise produced on
   first request after the content changed.

A change to site.yaml, services.yaml or the theme reloads everything from scratch. Output is the
same as `build` would write at the same `now`; the tests compare `files()` with a full render
byte for byte after every kind of edit.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from generator.content.cache import cache_folder, collector_paused
from generator.content.locate import locate
from generator.content.model import Content, newest_first
from generator.content.notices import FOLDERS, Loaded, Notices
from generator.errors import Problem
from generator.machine.derived import Derived, Memo
from generator.machine.outputs import produce_all
from generator.site import render as rendering
from generator.site.reuse import identity
from generator.site.theme import SITE_THEMES, Theme, bundled_labels, chosen_theme, load_theme
from generator.state import listing
from generator.state.affiliates import section
from generator.state.derive import IncidentState, Snapshot, incident_state, snapshot
from generator.state.fingerprint import Prints
from generator.state.history import SiteHistory, site_history
from generator.state.listing import Lists
from generator.state.plan import DuplicateOutputError, Page, plan_pages, views
from generator.state.reads import Tracked, tracked
from generator.state.record import Record
from generator.state.reminders import state_warnings
from generator.state.timeline import timeline


@dataclass(frozen=True)
class Rebuilt:
    """What one rebuild did, for the terminal and the reload event."""

    build_id: int
    full: bool
    pages: int
    outdated: frozenset[str]
    warnings: tuple[Problem, ...]


@dataclass
class _View:
    """One view's model and context (and the same behind recording proxies), its pages, and the
    record of what each rendered page read (state/record.py)."""

    content: Content
    snap: Snapshot
    lists: Lists
    shared: dict[str, Any]
    tracked: Tracked
    paths: list[str] = field(default_factory=list)
    record: Record = field(default_factory=Record)


@dataclass
class _Page:
    page: Page
    view: str
    data: bytes | None = None


@dataclass
class _Good:
    """The last build that passed every check: what the preview serves."""

    loaded: Loaded
    content: Content
    snap: Snapshot
    theme: Theme
    views: dict[str, _View]
    pages: dict[str, _Page]
    warnings: tuple[Problem, ...]
    machine: dict[str, bytes] | None = field(default=None)
    outdated: frozenset[str] = frozenset()


class IncrementalSite:
    """The site in memory, rebuilt after each edit; not thread-safe (the server holds a lock)."""

    def __init__(self, content_dir: Path, now: datetime | None = None, theme: str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.content_dir = content_dir
        self.clock = clock or _utc_now
        self.root = content_dir.resolve()
        self.fixed_now = now
        self.theme_name = theme
        self.build_id = 0
        self._good: _Good | None = None
        self._notices = Notices(self.root)
        self._states: dict[int, IncidentState] = {}
        self._states_now: datetime | None = None
        self._needs_full = True
        self._memo = Memo()
        self._prints = Prints()

    @property
    def theme_roots(self) -> tuple[Path, ...]:
        """The folders a save in which changes the theme: those of the theme in use, and the site's
        themes/ (where a theme folder may be added or renamed)."""
        own = self.root.parent / SITE_THEMES
        return (*(self._good.theme.folders if self._good else ()), *((own,) if own.is_dir() else ()))

    def now(self) -> datetime:
        """The fixed `--now`, or the clock's time, to the second: pages state only the times of
        notices, not the time they were built, so a rebuild a second later changes no page unless
        a notice's time has come (which is the point)."""
        if self.fixed_now is not None:
            return self.fixed_now
        return self.clock().replace(microsecond=0)

    @property
    def next_change(self) -> datetime | None:
        """When the site last built changes by itself (state/timeline.py); None with a fixed `--now`,
        which stands still."""
        if self.fixed_now is not None or self._good is None:
            return None
        return self._good.snap.next_change

    def rebuild(self, changed: Iterable[Path] | None = None) -> Rebuilt:
        """Bring the site up to date with the files.

        `changed` are the paths the watcher saw, and only those are read again; an empty list means
        "check every notice's stamp", and None (unknown) reloads everything. Raises ContentError (or
        another NoticeboardError) when the content is wrong: the last good build stays in place and
        the changes are remembered for the next attempt.
        """
        hints = None if changed is None else {Path(os.path.abspath(p)) for p in changed}
        if hints is None or self._touches_config(hints):
            self._needs_full = True
        now = self.now()
        if self._needs_full or self._good is None or hints is None:
            gc.unfreeze()  # what the last full build froze may be garbage now
            with collector_paused():  # as in `check`: collections over the growing model cost 2 s of 7.6 at 10,000
                loaded = self._notices.load_all()
                good, reused = self._good_build(loaded, self._theme(loaded), now, None), None
        else:
            loaded = self._notices.update(self._good.loaded, hints)
            good, reused = self._good_build(loaded, self._good.theme, now, self._good), self._good
        try:
            self._plan(good, reused)
        except BaseException:
            self._needs_full = True  # planning may have half-moved the record of reads to the new views
            raise
        self._good, self._notices.pending, self._needs_full = good, set(), False
        if reused is None:
            gc.freeze()  # the model and plan live until the next full build; a collection over them took 0.65 s
        self.build_id += 1
        return Rebuilt(self.build_id, reused is None, len(good.pages), good.outdated, good.warnings)

    def get(self, path: str) -> bytes | None:
        """One output file of the last good build, rendering it now if it is stale."""
        good = self._good
        if good is None:
            return None
        entry = good.pages.get(path)
        if entry is not None:
            return self._render(good, entry)
        if path in good.theme.asset_files:
            return good.theme.asset_files[path]
        return self._machine(good).get(path)

    def files(self) -> dict[str, bytes]:
        """Every output file, as `render_site` would return them (renders whatever is stale)."""
        good = self._good
        if good is None:
            return {}
        output = dict(good.theme.asset_files)
        output.update((path, self._render(good, entry)) for path, entry in good.pages.items())
        output.update(self._machine(good))
        gc.freeze()  # as in rebuild: what is rendered now stays until an edit replaces it
        return output

    def _touches_config(self, hints: set[Path]) -> bool:
        """Anything but a notice file (site.yaml, services.yaml, the theme, an unknown file) means start over."""
        themes = self.theme_roots
        for hint in hints:
            if any(hint.is_relative_to(theme) for theme in themes):
                return True
            if hint == self.root or (hint.is_relative_to(self.root) and hint.relative_to(self.root).parts[0] not in FOLDERS):
                return True
        return False

    def _theme(self, loaded: Loaded) -> Theme:
        assert loaded.files.site is not None  # the content was checked
        theme = load_theme(chosen_theme(self.root, loaded.files.site, self.theme_name),
                           loaded.content.site.languages, cache_folder(self.root))
        for name in theme.env.list_templates(extensions=["html"]):
            theme.env.get_template(name)  # a template that does not compile fails the build, not a request
        return theme

    # Deriving and planning -----------------------------------------------------------------

    def _good_build(self, loaded: Loaded, theme: Theme, now: datetime, previous: _Good | None) -> _Good:
        content = loaded.content
        snap = self._snapshot(content, now)
        views = _views(content, snap, previous)
        warnings = loaded.warnings + locate(state_warnings(content, snap), self.root)
        return _Good(loaded, content, snap, theme, views, {}, warnings)

    def _snapshot(self, content: Content, now: datetime) -> Snapshot:
        """`derive.snapshot`, replaying only incidents that changed: service states depend on open
        incidents alone, so they come from a snapshot of those, and every state is reused when its
        incident object (and `now`) is the same as last time."""
        known = self._states if self._states_now == now else {}
        states, still_open, cache = [], [], {}
        for incident in content.incidents:
            if incident.started > now:
                continue
            state = known.get(id(incident))
            if state is None or state.incident is not incident:
                state = incident_state(incident, now)
            cache[id(incident)] = state
            states.append(state)
            if state.is_open:
                still_open.append(incident)
        self._states, self._states_now = cache, now
        times = timeline(content, now)
        return replace(snapshot(replace(content, incidents=tuple(still_open)), now), incidents=tuple(states),
                       changed_at=times.changed_at, next_change=times.next_change)

    def _plan(self, good: _Good, previous: _Good | None) -> None:
        """Every page of the new build, reusing the rendered bytes of pages whose facts held."""
        outdated: set[str] = set()
        self._prints.fresh()
        for prefix, view in good.views.items():
            old_view = previous.views.get(prefix) if previous else None
            if previous is not None and old_view is view:
                entries = [previous.pages[path] for path in view.paths]
            else:
                entries = self._replan(prefix, view, previous, old_view, outdated, self._prints)
            for entry in entries:
                if entry.page.path in good.pages or entry.page.path in good.theme.asset_files:
                    self._needs_full = True
                    raise DuplicateOutputError(f"two outputs claim {entry.page.path}")
                good.pages[entry.page.path] = entry
        good.outdated = frozenset(good.pages) if previous is None else frozenset(outdated)
        if previous is not None and previous.machine is not None and previous.content == good.content \
                and previous.snap == good.snap:
            good.machine = previous.machine

    @staticmethod
    def _replan(prefix: str, view: _View, previous: _Good | None, old_view: _View | None,
                outdated: set[str], prints: Prints) -> list[_Page]:
        """The view's pages: those no changed fact was read by keep their bytes; the new view
        takes over the record of who read what, minus the pages that will render again.
        `outdated` collects the pages that were shown before and differ or are new or gone now."""
        if previous is None or old_view is None:
            entries = [_Page(page, prefix) for page in _planned(view, prefix)]
            view.paths = [entry.page.path for entry in entries]
            return entries
        stale = old_view.record.stale(view.shared, prints)
        entries = []
        for page in _planned(view, prefix):
            old = previous.pages.get(page.path)
            if old is None:
                outdated.add(page.path)
            keep = (old is not None and old.data is not None and page.path not in stale
                    and old_view.record.holds(page.path, identity(page)))
            entries.append(old if keep and old is not None else _Page(page, prefix))
        view.paths = [entry.page.path for entry in entries]
        view.record = old_view.record
        kept = {id(entry) for entry in entries}
        for path in old_view.paths:
            gone = previous.pages[path]
            if id(gone) not in kept and gone.data is not None:
                outdated.add(path)
                view.record.forget(path)
        return entries

    # Rendering -----------------------------------------------------------------------------

    def _render(self, good: _Good, entry: _Page) -> bytes:
        if entry.data is None:
            view = good.views[entry.view]
            html, values = rendering.render_recorded(entry.page, view.content, good.theme, view.tracked)
            entry.data = html.encode("utf-8")
            view.record.add(entry.page.path, identity(entry.page), values, (values, self._prints))
        return entry.data

    def _machine(self, good: _Good) -> dict[str, bytes]:
        """Feeds, API and calendars read everything, so they are produced again, once, when asked for,
        from the views and per-service lists the pages use; what they compute from parts of the model
        that did not change (an incident's feed entry, the calendars, the sitemap) comes from the memo."""
        if good.machine is None:
            machine: dict[str, bytes] = {}
            self._memo.next_production()
            model = _derived(good, self._memo)

            def put(path: str, data: bytes) -> None:
                if path in machine or path in good.pages or path in good.theme.asset_files:
                    raise DuplicateOutputError(f"two outputs claim {path}")
                machine[path] = data

            produce_all(model, put)
            good.machine = machine
        return good.machine


def _derived(good: _Good, memo: Memo) -> Derived:
    """The machine outputs' model, with the sections, per-service lists and page plans the pages use."""
    views = [(prefix, view.content, view.snap) for prefix, view in good.views.items()]
    by_service = {prefix: view.shared["incidents_by_service"] for prefix, view in good.views.items()}
    plans = {prefix: [good.pages[path].page for path in view.paths] for prefix, view in good.views.items()}
    return Derived(good.content, good.snap, bundled_labels(), views, by_service, plans, memo)


def _planned(view: _View, prefix: str) -> list[Page]:
    return plan_pages(view.content, view.snap, prefix, view.shared["incidents_by_service"])


def _views(content: Content, snap: Snapshot, previous: _Good | None) -> dict[str, _View]:
    """`render.views`, updated rather than recomputed: an affiliate's section that no changed
    incident touches (before or after the edit), with its services' states unchanged, is kept
    as it was, and its pages need no checking at all; a touched section gets the changed
    incidents narrowed anew and keeps the rest. Anything else sections read changing (now,
    maintenance, upstreams) recomputes every section."""
    history = site_history(content, snap)
    if previous is None or previous.snap.now != snap.now or previous.snap.upstreams != snap.upstreams \
            or previous.content.maintenance != content.maintenance:
        return {prefix: _view(c, s, listing.lists(c, s), history) for prefix, c, s in views(content, snap)}
    before = {i.id: i for i in previous.content.incidents}
    after = {i.id: i for i in content.incidents}
    changed = {i for i in before.keys() | after.keys() if before.get(i) is not after.get(i)}
    edited = replace(content, incidents=tuple(after[i] for i in changed if i in after), maintenance=())
    edited_snap = replace(snap, incidents=tuple(s for s in snap.incidents if s.incident.id in changed))
    group = previous.views[""]
    found = {"": _view(content, snap, listing.updated(group.lists, group.snap, content, snap, changed), history)}
    for affiliate in content.site.affiliates:
        prefix = f"{affiliate.id}/"
        old = previous.views[prefix]
        fresh, fresh_snap = section(edited, edited_snap, affiliate.id)
        services = {s: snap.services[s] for s in old.snap.services}
        if not fresh.incidents and not changed & {i.id for i in old.content.incidents} and services == old.snap.services \
                and _same_history(old, history, affiliate.id):
            found[prefix] = old
            continue
        incidents = newest_first([i for i in old.content.incidents if i.id not in changed], fresh.incidents,
                                 lambda incident: incident)
        states = newest_first([s for s in old.snap.incidents if s.incident.id not in changed], fresh_snap.incidents,
                              lambda state: state.incident)
        view_content = replace(old.content, incidents=incidents)
        times = timeline(view_content, snap.now)
        view_snap = replace(old.snap, incidents=states, services=services, changed_at=times.changed_at,
                            next_change=times.next_change)
        lists = listing.updated(old.lists, old.snap, view_content, view_snap, changed)
        found[prefix] = _view(view_content, view_snap, lists, history)
    return found


def _same_history(old: _View, history: SiteHistory, affiliate: str) -> bool:
    """Whether the section's services, groups and the affiliate have the history they had: an
    update may give a status to a service its incident does not list as affected."""
    ids = [*old.snap.services, *(g.id for g in old.content.catalog.groups)]
    return all(old.shared["history"].get(i) == history.entries.get(i) for i in ids) \
        and old.shared["affiliate_history"].get(affiliate) == history.affiliates.get(affiliate)


def _view(content: Content, snap: Snapshot, lists: Lists, history: SiteHistory) -> _View:
    shared = rendering.shared_context(content, snap, lists, history)
    return _View(content, snap, lists, shared, tracked(shared))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)
