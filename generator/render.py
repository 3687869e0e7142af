"""Stage 5, render: every page of the site, handed to a sink (a dict in memory, or the build's
staging folder) as it is rendered.

Like Pelican, all context is gathered first and every output path is planned up front, so a
path claimed twice is a bug we catch rather than a page silently overwritten.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.pool
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from generator.affiliates import overall as affiliate_overall
from generator.affiliates import section as section_view
from generator.affiliates import services_of
from generator import listing
from generator.cache import collector_paused
from generator.derive import Snapshot, incidents_by_service
from generator.listing import Lists, numbered, page_count
from generator.markup import render_markdown
from generator.model import Content, severity
from generator.outputs import producers
from generator.pagecontext import language_prefix, page_names
from generator.theme import Theme


class DuplicateOutputError(RuntimeError):
    """Two pages planned for one path: a generator bug, never the operator's fault."""


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
                                                    ("widget.html", "widget.html", {})]
    keys += _numbered_keys("history", "history.html", len(snap.incidents), listing.HISTORY_PAGE_SIZE, {})
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


class Sink(Protocol):
    """Where rendered files go: a dict in memory (`render_site`), or a build's staging folder
    (write.Staging), where each page lands as soon as it is rendered."""

    def put(self, path: str, data: bytes) -> None: ...


class Collected(dict[str, bytes]):
    """The in-memory sink: every file's bytes by path (tests, deploys and the preview read these)."""

    def put(self, path: str, data: bytes) -> None:
        self[path] = data


class Keeper(Protocol):
    """What a build can take from the last one instead of making again (reuse.Reuse): each answer
    is True when the file is already in the sink."""

    def page(self, page: Page, shared: dict[str, Any]) -> bool: ...

    def output(self, path: str, files: Sequence[str], state: str) -> bool: ...


def render_site(content: Content, snap: Snapshot, theme: Theme) -> dict[str, bytes]:
    """All output files (pages and assets), keyed by their path inside the output folder."""
    files = Collected()
    render_into(files, content, snap, theme)
    return files


def render_into(sink: Sink, content: Content, snap: Snapshot, theme: Theme, keeper: Keeper | None = None) -> None:
    """Every output file into `sink`. Every path is claimed before anything is rendered, so two
    outputs for one path raise DuplicateOutputError; with a `keeper`, pages and machine outputs
    it says the sink already holds from the last build are not made again."""
    claimed: set[str] = set()
    for path, data in theme.asset_files.items():
        _claim(claimed, path)
        sink.put(path, data)
    jobs: list[Job] = []
    by_service: dict[str, dict[str, list[Any]]] = {}
    plans: dict[str, list[Page]] = {}
    with collector_paused():  # what is planned lives until the end; collections over it took 1 s at 50,000 incidents
        for prefix, view_content, view_snap in views(content, snap):
            shared = shared_context(view_content, view_snap, prefix)
            by_service[prefix] = shared["incidents_by_service"]
            plans[prefix] = plan_pages(view_content, view_snap, prefix, by_service[prefix])
            for page in plans[prefix]:
                _claim(claimed, page.path)
                if not (keeper and keeper.page(page, shared)):
                    jobs.append((page, view_content, shared))
    render_jobs(jobs, theme, sink, _output_tasks(sink, claimed, content, snap, (by_service, plans), keeper))


def _output_tasks(sink: Sink, claimed: set[str], content: Content, snap: Snapshot,
                  known: tuple[dict[str, dict[str, list[Any]]], dict[str, list[Page]]],
                  keeper: Keeper | None) -> deque[Callable[[], None]]:
    """The machine outputs as tasks for render_jobs, one per producer, handed the per-service
    lists and page plans the pages used (`known`). A producer may still make an output the keeper
    kept (one of a service's feeds was missing, say); the kept file stays. Their `Derived` is made
    by the first task: made before render_jobs' gc.freeze(), its memo (which holds itself) would
    never be collected. A build makes each output once, so what one producer kept in the memo is
    let go before the next (the feeds' 100 MB at 50,000 incidents, beside the sitemap's)."""
    from generator.machine import Derived, Memo  # machine reads this module's views and page plans

    kept: set[str] = set()
    made: list[Derived] = []

    def keep(path: str, files: Sequence[str], state: str) -> bool:
        if keeper is None or not keeper.output(path, files, state):
            return False
        _claim(claimed, path)
        kept.add(path)
        return True

    def model(_content: Content, _snap: Snapshot) -> Derived:
        if not made:
            made.append(Derived(content, snap, views(content, snap), known[0], known[1], keep=keep))
        return made[0]

    def task(produce: Callable[[Content, Snapshot], dict[str, bytes]]) -> Callable[[], None]:
        def put() -> None:
            for path, data in produce(content, snap).items():
                if path not in kept:
                    _claim(claimed, path)
                    sink.put(path, data)
            if made:
                made[0].memo = Memo()
        return put

    return deque(task(produce) for produce in producers(model))


def _claim(claimed: set[str], path: str) -> None:
    if path in claimed:
        raise DuplicateOutputError(f"two outputs claim {path}")
    claimed.add(path)


Job = tuple[Page, Content, dict[str, Any]]
# Fewer pages than this render in this process alone. An operator's build after one edit renders
# what states the time (each service's first page: 600) and what the edit changed, 700 pages or
# so. Forking for them took it from 4.4 to 3.9 s at 10,000 incidents (median of 10, when every
# service page stated the time: 1,300 pages) and from 1.26 to 1.07 s at 1,000 (630 pages).
PARALLEL_THRESHOLD = 500
CHUNK_PAGES = 200
AHEAD = 8
_FORKED: list[tuple[list[Job], Theme]] = []


def render_jobs(jobs: list[Job], theme: Theme, sink: Sink, tasks: deque[Callable[[], None]] | None = None) -> None:
    """Render pages into `sink` and run `tasks` (the machine outputs, which put their own files);
    large sites use every core, since Jinja rendering is CPU-bound.

    This process works beside one forked worker per further core. Workers are forked so they
    inherit the model instead of receiving it pickled, except where threads run (the preview
    server): forking a threaded process is unsafe. Every process that reads the model copies
    most of it, as CPython writes a reference count on each object it reads, so this process
    renders too rather than wait on two workers: two copies instead of three (at 50,000
    incidents 1.6 -> 1.0 GB). One process writes: two writing into the same folders cost 3-4
    times the system time (ext4 directory locking).
    """
    cores = os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or cores < 2 or threading.active_count() > 1 \
            or "fork" not in multiprocessing.get_all_start_methods():
        for page, view, shared in jobs:
            sink.put(page.path, render_page(page, view, theme, shared).encode("utf-8"))
        while tasks:
            tasks.popleft()()
        return
    _FORKED[:] = [(jobs, theme)]
    _release_free_heap()
    gc.freeze()  # the workers' collections then skip the model and contexts they inherit: 20% at 10,000 incidents
    try:
        step = min(CHUNK_PAGES, -(-len(jobs) // (cores * 4)))
        chunks = deque((i, min(i + step, len(jobs))) for i in range(0, len(jobs), step))
        with multiprocessing.get_context("fork").Pool(cores - 1) as pool:
            _share(pool, chunks, tasks or deque(), cores - 1, sink)
    finally:
        _FORKED.clear()


def _share(pool: multiprocessing.pool.Pool, chunks: deque[tuple[int, int]], tasks: deque[Callable[[], None]],
           workers: int, sink: Sink) -> None:
    """render_jobs' loop here: the workers take chunks from the front of `chunks`; this process
    runs `tasks`, then takes chunks from the back, and stores what is done as it comes. Each
    worker is given AHEAD chunks while tasks run, so it never waits, then two, so that at the end
    this process waits on no queue."""
    flight: deque[multiprocessing.pool.AsyncResult] = deque()
    while flight or chunks or tasks:
        while chunks and len(flight) < (AHEAD if tasks else 2) * workers:
            flight.append(pool.apply_async(_render_range, (chunks.popleft(),)))
        if flight and (flight[0].ready() or not (chunks or tasks)):
            done = flight.popleft().get()
        elif tasks:
            tasks.popleft()()
            _let_go()
            continue
        else:
            done = _render_range(chunks.pop())
        for path, data in done:
            sink.put(path, data)


def _let_go() -> None:
    """Free what a task kept and hand it back to the system (the machine outputs' memo holds
    itself, so only a collection frees it)."""
    render_markdown.cache_clear()
    gc.collect()
    _release_free_heap()


def _release_free_heap() -> None:
    """Hand the memory freed so far back to the system: glibc keeps it mapped, counted in the
    process's memory (and, before a fork, in each worker's, which copies whatever it reuses).
    `malloc_trim` is glibc's; elsewhere this does nothing."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None) if sys.platform.startswith("linux") else None
    if trim is not None:
        trim(0)


def _render_range(bounds: tuple[int, int]) -> list[tuple[str, bytes]]:
    """One chunk of pages; the memory it used is handed back once it is done (60 MB in each
    process by the end, at 50,000 incidents)."""
    jobs, theme = _FORKED[0]
    try:
        return [(page.path, render_page(page, view, theme, shared).encode("utf-8"))
                for page, view, shared in jobs[bounds[0]:bounds[1]]]
    finally:
        _release_free_heap()


def render_page(page: Page, content: Content, theme: Theme, shared: dict[str, Any]) -> str:
    template = theme.env.get_template(page.template)
    return template.render(**shared, **page.context, **page_names(page, content, theme))


def shared_context(content: Content, snap: Snapshot, section: str = "", lists: Lists | None = None) -> dict[str, Any]:
    """What every page of one view may read; the preview tracks reads of it per page (see depends.py)
    and passes the view's `lists` updated from its last build (listing.py)."""
    lists = listing.lists(content, snap, section) if lists is None else lists
    return {
        "affiliate_overview": [(a, affiliate_overall(snap, services_of(content, a.id)))
                               for a in content.site.affiliates],
        "listing": lists.listing,
        "incidents_by_service": lists.by_service,
        "services_hit": lists.services_hit,
        "site": content.site, "catalog": content.catalog, "snap": snap, "content": content,
        "unavailable": sorted((s for s in snap.services.values() if s.status not in ("operational",)),
                              key=lambda s: (-severity(s.status), s.service)),
        "severity": severity,
    }
