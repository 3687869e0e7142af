"""The preview's content, re-read and re-checked file by file (see incremental.py for the rest).

A full load of a thousand notices takes most of a second; a save touches one file. So each
notice file is kept with its stamp, its parsed document and its model object, and a rebuild
re-reads only the files the watcher named (or, without its word, whose stamp moved). The first
load goes through the content cache `check` and `build` use, so a notice whose bytes an earlier
run checked is kept as the cache's entry and never parsed. Checking is
incremental too: the changed files are checked on their own against services.yaml, with their
namesakes for the file-id check, and only when that finds an error does the full `validate`
run, so the report the operator sees is exactly what `noticeboard check` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.content.cache import Entry
from generator.content.check import check
from generator.content.load import NOTICE_SUFFIXES, ContentFiles, list_notice_files, load_file
from generator.content.model import Content, Incident, Maintenance, build_model, document_id, incident_order
from generator.content.references import check_references
from generator.content.stamp import Stamp, stamp_at
from generator.content.validate import check_structure, validate
from generator.content.yamlfile import Document
from generator.errors import ContentError, Problem, display_path

FOLDERS = {"incidents": "incident", "maintenance": "maintenance"}
Cached = tuple[Path, str, Entry]  # as in ContentFiles.cached: path, shown name, the cache's entry


@dataclass
class _Source:
    """A notice file as last read: its parsed document, or, when the content cache knew its bytes at
    the start, the cache's entry instead (checked and modelled already, so never parsed)."""

    stamp: Stamp | None
    doc: Document | None
    problems: list[Problem]
    cached: Cached | None = None


@dataclass(frozen=True)
class Loaded:
    """Checked content: the documents, the model, and the warnings to show."""

    files: ContentFiles
    content: Content
    warnings: tuple[Problem, ...]


class Notices:
    """Notice files as last read; `pending` holds those changed since the last good build."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sources: dict[Path, _Source] = {}
        self._models: dict[Path, Incident | Maintenance] = {}
        self._listings: dict[str, tuple[Stamp | None, frozenset[Path], list[Path], list[Problem]]] = {}
        # One Path object per file: a dict finds its own key by identity, where comparing two equal
        # paths costs pathlib 1.5 µs, twice per notice on every save.
        self._paths: dict[Path, Path] = {}
        self.pending: set[Path] = set()

    def load_all(self) -> Loaded:
        """Everything from scratch, through the one check sequence `noticeboard check` runs (a
        notice whose bytes the content cache knows is neither parsed nor checked again: 10,000 of
        them took 5 s of the preview's start); raises ContentError."""
        stamps = {p: stamp_at(p) for folder in FOLDERS for p in _folder(self.root / folder)}
        checked = check(self.root)
        files, content = checked.files, checked.content
        docs = files.incidents + files.maintenance
        cached = [known for folder in files.cached.values() for known in folder]
        self._sources = {d.path: _Source(stamps.get(d.path), d, []) for d in docs}
        self._sources |= {known[0]: _Source(stamps.get(known[0]), None, [], known) for known in cached}
        by_id = {(f, m.id): m for f, models in (("incidents", content.incidents), ("maintenance", content.maintenance))
                 for m in models}
        self._models = {path: by_id[(path.parent.name, _file_id(path))] for path in self._sources}
        self._paths = {path: path for path in self._sources}
        self._listings.clear()
        return Loaded(files, content, checked.warnings)

    def update(self, last: Loaded, hints: set[Path]) -> Loaded:
        """`last` with the named notice files (or, with no names, every file whose stamp moved) read again."""
        files = ContentFiles(root=self.root, site=last.files.site, services=last.files.services)
        listed: set[Path] = set()
        for folder in FOLDERS:
            for path in self._listing(folder, files, hints):
                listed.add(path)
                known = self._sources.get(path)
                source = self._refresh(path, hints) if not hints or path in hints or known is None else known
                files.problems.extend(source.problems)
                if source.doc is not None:
                    getattr(files, folder).append(source.doc)
                elif source.cached is not None:
                    files.cached[folder].append(source.cached)
        for gone in set(self._sources) - listed:
            del self._sources[gone]
            self._models.pop(gone, None)
            self._paths.pop(gone, None)
            self.pending.add(gone)
        warnings = self._check(files, last)
        self._remodel(files)
        incidents, maintenance = (self._models_of(files, folder) for folder in FOLDERS)
        content = Content(last.content.site, last.content.catalog,
                          tuple(sorted(incidents, key=incident_order, reverse=True)),
                          tuple(sorted(maintenance, key=_maintenance_order)))
        return Loaded(files, content, warnings)

    def _models_of(self, files: ContentFiles, folder: str) -> list[Any]:
        """The model objects of a folder's files (incidents or windows), parsed or from the content cache."""
        paths = [d.path for d in getattr(files, folder)] + [path for path, _, _ in files.cached[folder]]
        return [self._models[path] for path in paths]

    def _listing(self, folder: str, files: ContentFiles, hints: set[Path]) -> list[Path]:
        """`list_notice_files` again only when the folder changed: the watcher saw a file appear or vanish
        there, or (without the watcher's word) the folder's stamp moved."""
        directory = self.root / folder
        stamp = stamp_at(directory)
        cached = self._listings.get(folder)
        if hints:
            moved = cached is None or any(h == directory or (h.parent == directory and (h in cached[1]) != h.exists())
                                          for h in hints)
        else:
            moved = cached is None or cached[0] != stamp or stamp is None
        if moved or cached is None:
            found = ContentFiles(root=self.root)
            paths = [self._paths.setdefault(path, path) for path in list_notice_files(directory, found)]
            cached = (stamp, frozenset(paths), paths, found.problems)
            self._listings[folder] = cached
        files.problems.extend(cached[3])
        return cached[2]

    def _refresh(self, path: Path, hints: set[Path]) -> _Source:
        stamp = stamp_at(path)
        source = self._sources.get(path)
        if source is None or source.stamp != stamp or path in hints:
            scratch = ContentFiles(root=self.root)
            doc = load_file(path, self.root, self.root.parent, scratch, path.parent.name)
            source = _Source(stamp, doc, scratch.problems)
            self._sources[path] = source
            self.pending.add(path)
        return source

    def _check(self, files: ContentFiles, last: Loaded) -> tuple[Problem, ...]:
        """Warnings of the changed files plus the others' from the last good build; ContentError on any error."""
        changed = self._changed()
        names = {display_path(p, self.root.parent) for p in self.pending}
        found = list(files.problems)
        parsed: dict[str, list[Document]] = {"site": [last.files.site], "services": [last.files.services],  # type: ignore[list-item]
                                             "incidents": [], "maintenance": []}
        for path, doc in changed.items():
            found += check_structure(doc, FOLDERS[path.parent.name])
            if doc.data is not None:
                parsed[path.parent.name].append(doc)
        found += [p for p in check_references(self._namesakes(changed), parsed)
                  if p.severity == "error" or p.location.file in names]
        if any(p.severity == "error" for p in found):
            report = validate(files)
            if any(p.severity == "error" for p in report):
                raise ContentError(report)
        kept = [p for p in last.warnings if p.location.file not in names]
        return tuple(dict.fromkeys(kept + [p for p in found if p.severity != "error"]))

    def _changed(self) -> dict[Path, Document]:
        """The documents of the notices read again since the last good build (not the cached ones)."""
        sources = ((path, self._sources.get(path)) for path in sorted(self.pending))
        return {path: source.doc for path, source in sources if source is not None and source.doc is not None}

    def _namesakes(self, changed: dict[Path, Document]) -> ContentFiles:
        """Every notice named like a changed one (`id.yaml` and `id.yml` claim one id): the
        duplicate-id check needs only those, not a pass over 10,000 files after each save."""
        namesakes = ContentFiles(root=self.root)
        for folder, file_id in sorted({(path.parent, _file_id(path)) for path in changed}):
            for suffix in NOTICE_SUFFIXES:
                source = self._sources.get(folder / f"{file_id}{suffix}")
                if source is not None and source.doc is not None:
                    getattr(namesakes, folder.name).append(source.doc)
                elif source is not None and source.cached is not None:
                    namesakes.cached[folder.name].append(source.cached)
        return namesakes

    def _remodel(self, files: ContentFiles) -> None:
        changed = list(self._changed().values())
        if not changed:
            return
        fresh = build_model(ContentFiles(root=self.root, site=files.site, services=files.services,
                                         incidents=[d for d in changed if d.path.parent.name == "incidents"],
                                         maintenance=[d for d in changed if d.path.parent.name == "maintenance"]))
        by_id = {("incidents", m.id): m for m in fresh.incidents} | {("maintenance", m.id): m for m in fresh.maintenance}
        for doc in changed:
            self._models[doc.path] = by_id[(doc.path.parent.name, document_id(doc))]


def _maintenance_order(window: Maintenance) -> tuple[datetime, str]:
    return (window.starts, window.id)


def _file_id(path: Path) -> str:
    """`document_id` of a notice known only by its path (the content cache's entries have no document)."""
    return path.name.rsplit(".", 1)[0]


def _folder(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []
