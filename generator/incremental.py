"""The preview's rebuild: re-read only the files that changed, re-render only the pages that read what changed.

A full build of a big site takes seconds; an operator fixing one notice should see it at once.
So the preview keeps the last good build in memory and, after an edit of incidents or maintenance:

1. re-reads only the files whose stamp (mtime, size, inode) changed or that the watcher named;
2. re-checks only those files, plus the one check that spans files (file ids), and on any error
   runs the full `validate`, so the report is exactly what `noticeboard check` prints;
3. re-derives the states of changed incidents only;
4. keeps each rendered page whose recorded facts (see depends.py) are equal in the new build; the
   others are rendered when first requested, so the reload event does not wait for pages nobody
   is looking at; the machine-readable outputs (feeds, API, calendars) are likewise produced on
   first request after the content changed.

A change to site.yaml, services.yaml or the theme reloads everything from scratch. Output is the
same as `build` would write at the same `now`; the tests compare `files()` with a full render
byte for byte after every kind of edit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from generator import render as rendering
from generator.affiliates import section
from generator.build import implied_warnings
from generator.depends import Fact, TrackingContext, recording, resolve, tracked
from generator.derive import IncidentState, Snapshot, incident_state, snapshot
from generator.errors import ContentError, Problem, display_path
from generator.load import ContentFiles, Document, _list_yaml, _load_one, load_content
from generator.model import Content, Incident, Maintenance, build_model, document_id
from generator.outputs import producers
from generator.references import check_references
from generator.theme import Theme, find_theme, load_theme
from generator.validate import check_structure, validate

FOLDERS = {"incidents": "incident", "maintenance": "maintenance"}
Stamp = tuple[int, int, int]


@dataclass(frozen=True)
class Rebuilt:
    """What one rebuild did, for the terminal and the reload event."""

    build_id: int
    full: bool
    pages: int
    outdated: frozenset[str]
    warnings: tuple[Problem, ...]


@dataclass
class _Source:
    stamp: Stamp | None
    doc: Document | None
    problems: list[Problem]


@dataclass
class _View:
    content: Content
    snap: Snapshot
    shared: dict[str, Any]
    paths: list[str] = field(default_factory=list)


@dataclass
class _Page:
    page: rendering.Page
    view: str
    data: bytes | None = None
    facts: frozenset[Fact] = frozenset()


@dataclass
class _Good:
    """The last build that passed every check: what the preview serves."""

    files: ContentFiles
    content: Content
    snap: Snapshot
    theme: Theme
    views: dict[str, _View]
    pages: dict[str, _Page]
    checked: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    machine: dict[str, bytes] | None = field(default=None)
    outdated: frozenset[str] = frozenset()


class IncrementalSite:
    """The site in memory, rebuilt after each edit; not thread-safe (the server holds a lock)."""

    def __init__(self, content_dir: Path, now: datetime | None = None, theme: str | None = None) -> None:
        self.content_dir = content_dir
        self.root = content_dir.resolve()
        self.fixed_now = now
        self.theme_name = theme
        self.build_id = 0
        self._good: _Good | None = None
        self._sources: dict[Path, _Source] = {}
        self._models: dict[Path, Incident | Maintenance] = {}
        self._states: dict[int, tuple[Incident, datetime, IncidentState]] = {}
        self._pending: set[Path] = set()
        self._listings: dict[str, tuple[Stamp | None, frozenset[Path], list[Path], list[Problem]]] = {}
        self._needs_full = True

    @property
    def theme_root(self) -> Path | None:
        return self._good.theme.root if self._good else None

    def now(self) -> datetime:
        """The fixed `--now`, or the current time to the minute: the pages show minutes, and a
        clock that ticks every second would make every save re-render every page."""
        if self.fixed_now is not None:
            return self.fixed_now
        return datetime.now(timezone.utc).replace(second=0, microsecond=0)

    def rebuild(self, changed: Iterable[Path] | None = None) -> Rebuilt:
        """Bring the site up to date with the files; `changed` are paths the watcher saw (None: unknown).

        Raises ContentError (or another NoticeboardError) when the content is wrong; the last good
        build stays in place and the changes are remembered for the next attempt.
        """
        hints = None if changed is None else {Path(os.path.abspath(p)) for p in changed}
        if hints is not None and self._touches_config(hints):
            self._needs_full = True
        now = self.now()
        if self._needs_full or self._good is None:
            good, reused = self._full(now), None
        else:
            good, reused = self._incremental(hints or set(), now), self._good
        self._plan(good, reused)
        self._good, self._pending, self._needs_full = good, set(), False
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
        return output

    # Loading and checking ------------------------------------------------------------------

    def _touches_config(self, hints: set[Path]) -> bool:
        """Anything but a notice file (site.yaml, services.yaml, the theme, an unknown file) means start over."""
        theme = self.theme_root
        for hint in hints:
            if theme is not None and hint.is_relative_to(theme):
                return True
            if hint == self.root or (hint.is_relative_to(self.root) and hint.relative_to(self.root).parts[0] not in FOLDERS):
                return True
        return False

    def _full(self, now: datetime) -> _Good:
        stamps = {p: _stamp(p) for folder in FOLDERS for p in _listing(self.root / folder)}
        files = load_content(self.content_dir)
        problems = validate(files)
        if files.site is None or files.services is None or any(p.severity == "error" for p in problems):
            raise ContentError(problems)
        content = build_model(files)
        theme = self._theme(content)
        self._sources = {d.path: _Source(stamps.get(d.path), d, []) for d in files.incidents + files.maintenance}
        by_id = {(f, m.id): m for f, models in (("incidents", content.incidents), ("maintenance", content.maintenance))
                 for m in models}
        self._models = {d.path: by_id[(d.path.parent.name, document_id(d))] for d in files.incidents + files.maintenance}
        checked = tuple(p for p in problems if p.severity != "error")
        return self._good_build(files, content, theme, checked, now, incremental=False)

    def _theme(self, content: Content) -> Theme:
        theme = load_theme(find_theme(self.theme_name or content.site.theme, self.root))
        theme.env.context_class = TrackingContext
        for name in theme.env.list_templates(extensions=["html"]):
            theme.env.get_template(name)  # a template that does not compile fails the build, not a request
        return theme

    def _incremental(self, hints: set[Path], now: datetime) -> _Good:
        good = self._good
        assert good is not None
        files = ContentFiles(root=self.root, site=good.files.site, services=good.files.services)
        listed: set[Path] = set()
        for folder in FOLDERS:
            for path in self._listing(folder, files, hints):
                listed.add(path)
                source = self._refresh(path, hints)
                files.problems.extend(source.problems)
                if source.doc is not None:
                    getattr(files, folder).append(source.doc)
        for gone in set(self._sources) - listed:
            del self._sources[gone]
            self._models.pop(gone, None)
            self._pending.add(gone)
        checked = self._check(files, good)
        self._remodel(files)
        content = Content(good.content.site, good.content.catalog,
                          tuple(sorted((self._models[d.path] for d in files.incidents), key=_incident_order, reverse=True)),
                          tuple(sorted((self._models[d.path] for d in files.maintenance), key=_maintenance_order)))
        return self._good_build(files, content, good.theme, checked, now, incremental=True)

    def _listing(self, folder: str, files: ContentFiles, hints: set[Path]) -> list[Path]:
        """`_list_yaml` again only when the folder changed: its stamp moved, or the watcher saw a
        file appear or vanish there (a stamp alone can miss two changes within one clock tick)."""
        directory = self.root / folder
        stamp = _stamp(directory)
        cached = self._listings.get(folder)
        if cached is None or cached[0] != stamp or stamp is None or any(
                h.parent == directory and (h in cached[1]) != h.exists() for h in hints):
            found = ContentFiles(root=self.root)
            cached = (stamp, frozenset(paths := _list_yaml(directory, found)), paths, found.problems)
            self._listings[folder] = cached
        files.problems.extend(cached[3])
        return cached[2]

    def _refresh(self, path: Path, hints: set[Path]) -> _Source:
        stamp = _stamp(path)
        source = self._sources.get(path)
        if source is None or source.stamp != stamp or path in hints:
            scratch = ContentFiles(root=self.root)
            doc = _load_one(path, self.root, self.root.parent, scratch, path.parent.name)
            source = _Source(stamp, doc, scratch.problems)
            self._sources[path] = source
            self._pending.add(path)
        return source

    def _check(self, files: ContentFiles, good: _Good) -> tuple[Problem, ...]:
        """Problems of the changed files, the rest carried over from the last good build.

        The cross-file checks that can involve a changed file run with its namesakes (a.yaml next
        to a.yml); references to services.yaml are checked per file. Any error: the full report.
        """
        changed = {p: s.doc for p, s in self._sources.items() if p in self._pending and s.doc is not None}
        names = {display_path(p, self.root.parent) for p in self._pending}
        found = list(files.problems)
        valid: dict[str, list[Document]] = {"site": [good.files.site], "services": [good.files.services],  # type: ignore[list-item]
                                            "incidents": [], "maintenance": []}
        for path, doc in changed.items():
            structure = check_structure(doc, FOLDERS[path.parent.name])
            found += structure
            if not structure:
                valid[path.parent.name].append(doc)
        ids = {(p.parent.name, document_id(d)) for p, d in changed.items()}
        namesakes = ContentFiles(root=self.root)
        for folder in FOLDERS:
            getattr(namesakes, folder).extend(d for d in getattr(files, folder) if (folder, document_id(d)) in ids)
        found += [p for p in check_references(namesakes, valid) if p.severity == "error" or p.location.file in names]
        if any(p.severity == "error" for p in found):
            report = validate(files)
            if any(p.severity == "error" for p in report):
                raise ContentError(report)
        kept = [p for p in good.checked if p.location.file not in names]
        return tuple(dict.fromkeys(kept + [p for p in found if p.severity != "error"]))

    def _remodel(self, files: ContentFiles) -> None:
        changed = [s.doc for p, s in self._sources.items() if p in self._pending and s.doc is not None]
        if not changed:
            return
        fresh = build_model(ContentFiles(root=self.root, site=files.site, services=files.services,
                                         incidents=[d for d in changed if d.path.parent.name == "incidents"],
                                         maintenance=[d for d in changed if d.path.parent.name == "maintenance"]))
        by_id = {("incidents", m.id): m for m in fresh.incidents} | {("maintenance", m.id): m for m in fresh.maintenance}
        for doc in changed:
            self._models[doc.path] = by_id[(doc.path.parent.name, document_id(doc))]

    # Deriving and planning -----------------------------------------------------------------

    def _good_build(self, files: ContentFiles, content: Content, theme: Theme, checked: tuple[Problem, ...],
                    now: datetime, incremental: bool) -> _Good:
        snap = self._snapshot(content, now)
        views = _views(content, snap, self._good if incremental else None)
        warnings = checked + implied_warnings(content, snap)
        return _Good(files, content, snap, theme, views, {}, checked, warnings)

    def _snapshot(self, content: Content, now: datetime) -> Snapshot:
        """`derive.snapshot`, replaying only incidents that changed: service states depend on open
        incidents alone, so they come from a snapshot of those, and every state is reused when its
        incident object (and `now`) is the same as last time."""
        states, still_open, cache = [], [], {}
        for incident in content.incidents:
            if incident.started > now:
                continue
            cached = self._states.get(id(incident))
            state = cached[2] if cached and cached[0] is incident and cached[1] == now else incident_state(incident, now)
            cache[id(incident)] = (incident, now, state)
            states.append(state)
            if state.is_open:
                still_open.append(incident)
        self._states = cache
        return replace(snapshot(replace(content, incidents=tuple(still_open)), now), incidents=tuple(states))

    def _plan(self, good: _Good, previous: _Good | None) -> None:
        """Every page of the new build, reusing the rendered bytes of pages whose facts held."""
        changed: dict[tuple[str, Fact], bool] = {}
        for prefix, view in good.views.items():
            old_view = previous.views.get(prefix) if previous else None
            if old_view is view and previous is not None:
                pages = [previous.pages[path] for path in view.paths]
            else:
                pages = [self._reuse(page, prefix, previous, old_view, view, changed)
                         for page in rendering.plan_pages(view.content, view.snap, prefix)]
                view.paths = [entry.page.path for entry in pages]
            for entry in pages:
                if entry.page.path in good.pages or entry.page.path in good.theme.asset_files:
                    raise rendering.DuplicateOutputError(f"two outputs claim {entry.page.path}")
                good.pages[entry.page.path] = entry
        if previous is None:
            good.outdated = frozenset(good.pages)
        else:
            good.outdated = frozenset(path for path, old in previous.pages.items()
                                      if old.data is not None and good.pages.get(path) is not old)
            good.outdated |= good.pages.keys() - previous.pages.keys()
        if previous is not None and previous.machine is not None and previous.content == good.content \
                and previous.snap == good.snap:
            good.machine = previous.machine

    @staticmethod
    def _reuse(page: rendering.Page, prefix: str, previous: _Good | None, old_view: _View | None, view: _View,
               changed: dict[tuple[str, Fact], bool]) -> _Page:
        old = previous.pages.get(page.path) if previous else None
        if (old is not None and old_view is not None and old.data is not None and old.view == prefix
                and old.page == page and old.page.context == page.context
                and not _any_changed(old.facts, prefix, old_view, view, changed)):
            return old
        return _Page(page, prefix)

    # Rendering -----------------------------------------------------------------------------

    def _render(self, good: _Good, entry: _Page) -> bytes:
        if entry.data is None:
            view = good.views[entry.view]
            context, recorder = tracked(view.shared)
            with recording(recorder):
                html = rendering.render_page(entry.page, view.content, good.theme, context)
            entry.data, entry.facts = html.encode("utf-8"), frozenset(recorder.facts)
        return entry.data

    def _machine(self, good: _Good) -> dict[str, bytes]:
        """Feeds, API and calendars read everything, so they are produced again, once, when asked for."""
        if good.machine is None:
            machine: dict[str, bytes] = {}
            for produce in producers():
                for path, data in produce(good.content, good.snap).items():
                    if path in machine or path in good.pages or path in good.theme.asset_files:
                        raise rendering.DuplicateOutputError(f"two outputs claim {path}")
                    machine[path] = data
            good.machine = machine
        return good.machine


def _views(content: Content, snap: Snapshot, previous: _Good | None) -> dict[str, _View]:
    """`render.views`, except that an affiliate's section is kept as it was when no changed
    incident touches it (before or after the edit) and its services' states are the same; its
    pages then need no checking at all. Anything else that sections read changing (now,
    maintenance, upstreams) rebuilds every section."""
    if previous is None or previous.snap.now != snap.now or previous.snap.upstreams != snap.upstreams \
            or previous.content.maintenance != content.maintenance:
        return {prefix: _View(c, s, rendering.shared_context(c, s)) for prefix, c, s in rendering.views(content, snap)}
    before = {i.id: i for i in previous.content.incidents}
    after = {i.id: i for i in content.incidents}
    changed = {i for i in before.keys() | after.keys() if before.get(i) is not after.get(i)}
    edited = replace(content, incidents=tuple(after[i] for i in changed if i in after), maintenance=())
    edited_snap = replace(snap, incidents=tuple(s for s in snap.incidents if s.incident.id in changed))
    found = {"": _View(content, snap, rendering.shared_context(content, snap))}
    for affiliate in content.site.affiliates:
        prefix = f"{affiliate.id}/"
        old = previous.views[prefix]
        touched = bool(changed & {i.id for i in old.content.incidents}) \
            or bool(section(edited, edited_snap, affiliate.id)[0].incidents)
        if not touched and all(snap.services[s] == state for s, state in old.snap.services.items()):
            found[prefix] = old
        else:
            narrowed, narrowed_snap = section(content, snap, affiliate.id)
            found[prefix] = _View(narrowed, narrowed_snap, rendering.shared_context(narrowed, narrowed_snap))
    return found


def _any_changed(facts: frozenset[Fact], prefix: str, old: _View, new: _View,
                 changed: dict[tuple[str, Fact], bool]) -> bool:
    for fact in facts:
        key = (prefix, fact)
        if key not in changed:
            before, after = resolve(old.shared, fact), resolve(new.shared, fact)
            changed[key] = not (before is after or before == after)
        if changed[key]:
            return True
    return False


def _incident_order(incident: Incident) -> tuple[datetime, str]:
    return (incident.started, incident.id)


def _maintenance_order(window: Maintenance) -> tuple[datetime, str]:
    return (window.starts, window.id)


def _listing(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _stamp(path: Path) -> Stamp | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
