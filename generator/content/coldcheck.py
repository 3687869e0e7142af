"""The per-file part of a cold `check` (read, parse, schema, per-file references, model) in forked
worker processes, filling the content cache before the ordinary check reads it.

A cold check of 10,000 notices took 5.7 s on one core, and left the build's process holding
what the documents had used (about 0.7 GB of the 1.4 GB it held after a cold check of 50,000
incidents, mapped still, since the model's objects sat in between), which every forked render
worker then copied as it read the model. Here workers check the notices the cache holds no
entry for, a chunk at a time, write the cache files they fill whole and send back the entries;
the parent takes them in and then runs the ordinary check, which finds every clean file in the
cache and so holds nothing but the model, unpickled into fresh memory. A file with any problem
that is an error is left to that ordinary check, which reports it exactly as before; an entry
is what checking its file alone against site.yaml and services.yaml gives, as `cache` requires
of every entry.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.content.cache import SHARDS, ContentCache, Entry, shard_of
from generator.content.load import ContentFiles, list_notice_files, load_content, load_file
from generator.content.model import Content, Incident, Maintenance, build_model
from generator.content.stamp import Stamp
from generator.content.validate import validate
from generator.content.yamlfile import Document
from generator.errors import Problem, display_path

FOLDERS = ("incidents", "maintenance")
PARALLEL_THRESHOLD = 500
CHUNK_FILES = 250

Job = tuple[str, str, str]  # the file's path, its folder, its shown name


@dataclass
class Checked:
    """A worker's answer for one chunk: cache files it sealed (file number, pickle, written),
    entries for files of the cache that already held others, and the digests it learned."""

    sealed: list[tuple[int, bytes, bool]]
    entries: list[tuple[str, Entry]]
    digests: dict[str, tuple[Stamp, str]]


@dataclass(frozen=True)
class _Base:
    """What every worker checks its files against, inherited through the fork."""

    root: Path
    site: Document
    services: Document
    cache: ContentCache
    empty: frozenset[int]  # cache files holding no entry yet, which a worker may fill whole


_FORKED: list[_Base] = []


def prefill(content_dir: Path, cache: ContentCache) -> None:
    """Check the notice files `cache` holds no entry for in worker processes, on every core, and
    store the entry of each one without errors; do nothing where there are too few to pay for
    the workers, or forking is unsafe or unavailable, or site.yaml or services.yaml has an error."""
    root = content_dir.resolve()
    jobs = _unknown(root, cache)
    cores = os.cpu_count() or 1
    if cache.digests is None or len(jobs) < PARALLEL_THRESHOLD or cores < 2 or threading.active_count() > 1 \
            or "fork" not in multiprocessing.get_all_start_methods():
        return
    base = _checked_base(root)
    if base is None:
        return
    _FORKED[:] = [_Base(root, *base, cache, frozenset(set(range(SHARDS)) - cache.occupied()))]
    try:
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            for checked in pool.imap(_check_chunk, _chunks(jobs)):
                for shard, payload, written in checked.sealed:
                    cache.unseal(shard, payload, written)
                for name, entry in checked.entries:
                    cache.store(name, entry.digest, entry.value, entry.warnings)
                cache.digests.adopt(checked.digests)
    finally:
        _FORKED.clear()


def _chunks(jobs: list[Job]) -> list[list[Job]]:
    """About CHUNK_FILES files each, never splitting the files of one cache file, so that a worker
    can write that file whole."""
    by_shard: dict[int, list[Job]] = {}
    for job in jobs:
        by_shard.setdefault(shard_of(job[2]), []).append(job)
    chunks: list[list[Job]] = [[]]
    for shard in sorted(by_shard):
        if len(chunks[-1]) >= CHUNK_FILES:
            chunks.append([])
        chunks[-1] += by_shard[shard]
    return chunks


def _unknown(root: Path, cache: ContentCache) -> list[Job]:
    """Notice files the cache holds no entry for, told by their names alone: stat-ing every file
    to find those whose bytes changed would slow every warm check, and those few are checked
    the ordinary way."""
    jobs: list[Job] = []
    scratch = ContentFiles(root=root)
    for folder in FOLDERS:
        prefix = display_path(root / folder, root.parent) + "/"
        jobs += [(str(path), folder, prefix + path.name) for path in list_notice_files(root / folder, scratch)
                 if prefix + path.name not in cache.entries]
    return jobs


def _checked_base(root: Path) -> tuple[Document, Document] | None:
    """site.yaml and services.yaml, loaded and checked; None if either is missing or has an error."""
    base = load_content(root, folders=())
    if base.site is None or base.services is None or any(p.severity == "error" for p in validate(base)):
        return None
    return base.site, base.services


def _check_chunk(jobs: list[Job]) -> Checked:
    """A worker's share: the cache entries of the clean files among `jobs`, and the digests it
    learned (by stamp) of all of them."""
    base = _FORKED[0]
    files = ContentFiles(root=base.root, site=base.site, services=base.services)
    for path, folder, name in jobs:
        doc = load_file(Path(path), base.root, base.root.parent, files, folder, base.cache, name)
        if doc is not None:
            getattr(files, folder).append(doc)
    problems = validate(files, explain=0)  # which files fail is all that counts here; check explains them
    failed = {p.location.file for p in problems if p.severity == "error"}
    clean = ContentFiles(root=base.root, site=base.site, services=base.services,
                         incidents=[d for d in files.incidents if d.name not in failed],
                         maintenance=[d for d in files.maintenance if d.name not in failed])
    warnings = [p for p in problems if p.severity != "error"]
    checked = Checked([], [], {})
    by_shard: dict[int, dict[str, Entry]] = {}
    for name, entry in cache_entries(clean, build_model(clean), warnings):
        if shard_of(name) in base.empty:
            by_shard.setdefault(shard_of(name), {})[name] = entry
        else:
            checked.entries.append((name, entry))
    checked.sealed = [(shard, *base.cache.seal(shard, entries)) for shard, entries in sorted(by_shard.items())]
    if base.cache.digests is not None:
        checked.digests = base.cache.digests.known_of([path for path, _, _ in jobs])
    return checked


def cache_entries(files: ContentFiles, content: Content, warnings: list[Problem]) -> Iterator[tuple[str, Entry]]:
    """The cache entry of every freshly parsed notice in `files`, modelled in `content`: its model
    object and its own warnings."""
    by_source: dict[str, Incident | Maintenance] = {item.source: item for item in content.incidents}
    by_source |= {item.source: item for item in content.maintenance}
    for doc in (*files.incidents, *files.maintenance):
        mine = tuple(w for w in warnings if w.location.file == doc.name)
        yield doc.name, Entry(doc.digest, by_source[doc.name], mine)
