"""Render: every page of the site, handed to a sink (a dict in memory, or the build's staging
folder) as it is rendered, beside whatever other tasks the build runs meanwhile (the machine
outputs).

Like Pelican, all context is gathered first and every page is planned (state/plan.py) before
anything is rendered.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.pool
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from generator.content.cache import collector_paused
from generator.content.markup import render_markdown
from generator.content.model import Content, severity
from generator.site.pagecontext import page_names
from generator.site.theme import Theme
from generator.state import listing
from generator.state.affiliates import services_of
from generator.state.derive import Snapshot, service_changes
from generator.state.history import SiteHistory, site_history
from generator.state.listing import Lists
from generator.state.plan import Claims, Page, plan_pages, views
from generator.state.reads import Fact, Tracked, recording, tracked
from generator.state.rollup import rollup
from generator.state.unavailable import troubles


class Sink(Protocol):
    """Where rendered files go: a dict in memory (`render_site`), or a build's staging folder
    (write.Staging), where each page lands as soon as it is rendered."""

    def put(self, path: str, data: bytes) -> None: ...


class Collected(dict[str, bytes]):
    """The in-memory sink: every file's bytes by path (tests, deploys and the preview read these)."""

    def put(self, path: str, data: bytes) -> None:
        self[path] = data


class Keeper(Protocol):
    """What a build can take from the last one instead of rendering again (site/reuse.py)."""

    def page(self, page: Page, shared: dict[str, Any]) -> bool:
        """True when the page's file is already in the sink, as the last build rendered it."""

    def note(self, path: str, facts: tuple[Fact, ...]) -> None:
        """What the page at `path` read as it was rendered now."""


@dataclass
class Planned:
    """One build's pages to render (`jobs`), and what planning them worked out that the machine
    outputs read too: each view's per-service lists and its page plan."""

    jobs: list[Job] = field(default_factory=list)
    by_service: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    plans: dict[str, list[Page]] = field(default_factory=dict)


def plan_jobs(content: Content, snap: Snapshot, claims: Claims, keeper: Keeper | None = None) -> Planned:
    """Every page of every view, claimed; those `keeper` says the sink holds already are left out,
    and the others are rendered with their reads recorded for it."""
    planned = Planned()
    with collector_paused():  # what is planned lives until the end; collections over it took 1 s at 50,000 incidents
        history = site_history(content, snap)
        for prefix, view_content, view_snap in views(content, snap):
            shared = shared_context(view_content, view_snap, history=history)
            context: dict[str, Any] | Tracked = tracked(shared) if keeper else shared
            by_service = planned.by_service[prefix] = shared["incidents_by_service"]
            plan = planned.plans[prefix] = plan_pages(view_content, view_snap, prefix, by_service)
            for page in plan:
                claims.claim(page.path)
                if not (keeper and keeper.page(page, shared)):
                    planned.jobs.append((page, view_content, context))
    return planned


Job = tuple[Page, Content, "dict[str, Any] | Tracked"]
Rendered = tuple[str, bytes, tuple[Fact, ...]]
# Fewer pages than this render in this process alone. An operator's build after one edit renders
# what states the time (each service's first page: 600) and what the edit changed, 700 pages or
# so. Forking for them took it from 4.4 to 3.9 s at 10,000 incidents (median of 10, when every
# service page stated the time: 1,300 pages) and from 1.26 to 1.07 s at 1,000 (630 pages).
PARALLEL_THRESHOLD = 500
CHUNK_PAGES = 200
AHEAD = 8
_FORKED: list[tuple[list[Job], Theme]] = []


def render_jobs(jobs: list[Job], theme: Theme, sink: Sink, tasks: deque[Callable[[], None]] | None = None,
                keeper: Keeper | None = None) -> None:
    """Render pages into `sink` and run `tasks` (the machine outputs, which put their own files);
    large sites use every core, since Jinja rendering is CPU-bound. Pages planned with their reads
    tracked (a `keeper` was given) are recorded, and what each read is handed to the keeper.

    This process works beside one forked worker per further core. Workers are forked so they
    inherit the model instead of receiving it pickled, except where threads run (the preview
    server): forking a threaded process is unsafe. Every process that reads the model copies
    most of it, as CPython writes a reference count on each object it reads, so this process
    renders too rather than wait on two workers: two copies instead of three (at 50,000
    incidents 1.6 -> 1.0 GB). One process writes: two writing into the same folders cost 3-4
    times the system time (ext4 directory locking).
    """
    def store(done: list[Rendered]) -> None:
        for path, data, facts in done:
            sink.put(path, data)
            if keeper:
                keeper.note(path, facts)

    cores = os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or cores < 2 or threading.active_count() > 1 \
            or "fork" not in multiprocessing.get_all_start_methods():
        store([render_job(job, theme) for job in jobs])
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
            _share(pool, chunks, tasks or deque(), cores - 1, store)
    finally:
        _FORKED.clear()


def _share(pool: multiprocessing.pool.Pool, chunks: deque[tuple[int, int]], tasks: deque[Callable[[], None]],
           workers: int, store: Callable[[list[Rendered]], None]) -> None:
    """render_jobs' loop here: the workers take chunks from the front of `chunks`; this process
    runs `tasks`, then takes chunks from the back, and stores what is done as it comes. Each
    worker is given AHEAD chunks while tasks run, so it never waits, then two, so that at the end
    this process waits on no queue."""
    flight: deque[multiprocessing.pool.AsyncResult[list[Rendered]]] = deque()
    try:
        while flight or chunks or tasks:
            while chunks and len(flight) < (AHEAD if tasks else 2) * workers:
                flight.append(pool.apply_async(_render_range, (chunks.popleft(),)))
            if flight and (flight[0].ready() or not (chunks or tasks)):
                store(flight.popleft().get())
            elif tasks:
                tasks.popleft()()
                _let_go()
            else:
                store(_render_range(chunks.pop()))
    except Exception:
        _settle(flight)
        raise


SETTLE_SECONDS = 30.0


def _settle(flight: deque[multiprocessing.pool.AsyncResult[list[Rendered]]]) -> None:
    """After an error here (a template that fails on some page, a full disk), let the workers
    finish the chunks they hold before the pool is terminated: CPython's Pool.terminate can hang
    for ever when it kills a worker halfway through sending a result (its task thread then
    blocks on a full result pipe nobody reads), and a failed build must report, not hang. A
    worker that died can't finish: the wait is bounded."""
    deadline = time.monotonic() + SETTLE_SECONDS
    for pending in flight:
        pending.wait(max(0.0, deadline - time.monotonic()))


def render_job(job: Job, theme: Theme) -> Rendered:
    """One page's path and bytes, and, where its context is tracked, the facts it read (their
    fingerprints are the build's process's to take, once for each fact however many pages read it)."""
    page, content, context = job
    if not isinstance(context, Tracked):
        return page.path, render_page(page, content, theme, context).encode("utf-8"), ()
    html, facts = render_recorded(page, content, theme, context)
    return page.path, html.encode("utf-8"), tuple(facts)


def render_recorded(page: Page, content: Content, theme: Theme, view: Tracked) -> tuple[str, dict[Fact, Any]]:
    """One page, and each fact it read with the value it saw."""
    recorder = view.recorder()
    with recording(recorder):
        html = render_page(page, content, theme, view.context)
    return html, recorder.facts


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


def _render_range(bounds: tuple[int, int]) -> list[Rendered]:
    """One chunk of pages; the memory it used is handed back once it is done (60 MB in each
    process by the end, at 50,000 incidents)."""
    jobs, theme = _FORKED[0]
    try:
        return [render_job(job, theme) for job in jobs[bounds[0]:bounds[1]]]
    finally:
        _release_free_heap()


def render_page(page: Page, content: Content, theme: Theme, shared: dict[str, Any]) -> str:
    template = theme.env.get_template(page.template)
    return template.render(**shared, **page.context, **page_names(page, content, theme))


def shared_context(content: Content, snap: Snapshot, lists: Lists | None = None,
                   history: SiteHistory | None = None) -> dict[str, Any]:
    """What every page of one view may read; the preview tracks reads of it per page (see depends.py)
    and passes the view's `lists` updated from its last build (listing.py). Every view reads the
    group's `history` (an affiliate's services have the same history in its section)."""
    lists = listing.lists(content, snap) if lists is None else lists
    history = site_history(content, snap) if history is None else history
    grouped = troubles(content, snap)
    return {
        "history": history.entries, "affiliate_history": history.affiliates, "outages": history.outages,
        "affiliate_overview": [(a, rollup(snap, services_of(content, a.id))) for a in content.site.affiliates],
        "rollup": rollup(snap, snap.services),
        "listing": lists.listing,
        "incidents_by_service": lists.by_service,
        "services_hit": lists.services_hit,
        "site": content.site, "catalog": content.catalog, "snap": snap, "content": content,
        "service_changed_at": service_changes(content, snap, lists.by_service),
        "troubles": grouped,
        "unavailable": [state for trouble in grouped for state in trouble.states],
        "severity": severity,
    }
