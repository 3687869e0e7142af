"""Rendering only what changed: a page the last build rendered is taken from it (hard-linked,
never rendered) when the record of what it read says nothing it read has changed.

An operator posting one update to a group with 10,000 incidents should not wait for 20,000
unchanged incident pages to be rendered again (a minute of CPU). The build keeps one record per
view of what each page read as it rendered (state/record.py), the same record the preview keeps
in memory, so whatever a theme shows is noticed when it changes. What the record can't see
(Noticeboard's code, the theme's files, site.yaml, services.yaml, `--affiliate`) makes the whole
record void, and every page is rendered again (build.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.state.fingerprint import Prints
from generator.state.plan import Page
from generator.state.reads import Fact
from generator.state.record import Identity, Record


def identity(page: Page) -> Identity:
    """What makes a page the same page besides its path: its template and its own variables
    (a list's page number and page count, an incident's id: short texts and numbers, which the
    plan always puts in the same order)."""
    return (page.template, *page.context.items())


class Reuse:
    """The build's keeper (site/render.Keeper): `records` by view, updated as pages render, and
    `keep`, which takes a file from the last build into the new one (output/staging.Staging.keep)."""

    def __init__(self, records: dict[str, Record], prints: Prints, keep: Callable[[str], bool]) -> None:
        self.records, self.prints, self._keep = records, prints, keep
        self._stale: dict[str, set[str]] = {}
        self._planned: dict[str, Page] = {}
        self._shared: dict[str, dict[str, Any]] = {}

    def page(self, page: Page, shared: dict[str, Any]) -> bool:
        record = self.records.setdefault(page.section, Record())
        stale = self._stale.get(page.section)
        if stale is None:
            stale = self._stale[page.section] = record.stale(shared, self.prints)
            self._shared[page.section] = shared
        self._planned[page.path] = page
        return page.path not in stale and record.holds(page.path, identity(page)) \
            and self._keep(page.path)

    def note(self, path: str, facts: tuple[Fact, ...]) -> None:
        page = self._planned[path]
        self.records[page.section].add(path, identity(page), facts)

    def finish(self) -> None:
        """Forget the pages the site no longer has, and take the fingerprint of each fact read for
        the first time (in the view's context, as the pages saw it)."""
        for section, record in self.records.items():
            record.keep_only(path for path, page in self._planned.items() if page.section == section)
            if section in self._shared:
                record.settle(self._shared[section], self.prints)
