"""What a deploy sends to one host, and in which order.

Only files whose content hash differs are sent. The order keeps every published page whole
even if the deploy stops half-way: new assets first (a page may already link to them), then
data (JSON, feeds, calendars, …), then pages — index pages last, so a link to a new incident
page never arrives before that page does — and deletions of stale files at the very end,
once nothing published still links to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from generator.machine.hosting import ASSETS

Action = Literal["new", "change", "delete"]
KINDS = ("pages", "feeds", "API", "assets", "other")


@dataclass(frozen=True)
class Step:
    path: str
    action: Action


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    unchanged: int

    @property
    def uploads(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action != "delete")

    @property
    def deletes(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action == "delete")

    def count(self, action: Action) -> int:
        return sum(1 for s in self.steps if s.action == action)

    def summary(self) -> str:
        return (f"{self.count('new')} new, {self.count('change')} changed, {self.count('delete')} deleted, "
                f"{self.unchanged} unchanged")

    def by_kind(self, action: Action) -> str:
        """How many files of each kind the plan sends (or deletes): '3 pages, 1 feed'."""
        counts = {kind: 0 for kind in KINDS}
        for step in self.steps:
            if step.action == action:
                counts[kind_of(step.path)] += 1
        return ", ".join(f"{count} {kind if count != 1 or kind in ('API', 'other') else kind[:-1]}"
                         for kind, count in counts.items() if count)


def kind_of(path: str) -> str:
    """What a published file is to a reader of the summary."""
    name = path.rsplit("/", 1)[-1]
    if path.startswith(ASSETS):
        return "assets"
    if path.endswith(".html"):
        return "pages"
    if "/api/" in f"/{path}":
        return "API"
    if name.endswith((".atom", ".rss")):
        return "feeds"
    return "other"


def make_plan(local: Mapping[str, str], remote: Mapping[str, str | None]) -> Plan:
    """Compare the built files (path → hash in the host's scheme) with what the host holds (path →
    hash, None when the host can't say)."""
    uploads: list[Step] = []
    unchanged = 0
    for path, digest in local.items():
        if path not in remote:
            uploads.append(Step(path, "new"))
        elif remote[path] is None or remote[path] != digest:
            uploads.append(Step(path, "change"))
        else:
            unchanged += 1
    uploads.sort(key=lambda step: upload_rank(step.path))
    deletes = [Step(path, "delete") for path in sorted(remote) if path not in local]
    return Plan(tuple(uploads + deletes), unchanged)


def upload_rank(path: str) -> tuple[int, int, int, str]:
    """Assets, then everything that isn't a page, then pages; among pages, index pages deepest first."""
    if path.startswith(ASSETS):
        return (0, 0, 0, path)
    if not path.endswith(".html"):
        return (1, 0, 0, path)
    is_index = path == "index.html" or path.endswith("/index.html")
    return (2, int(is_index), -path.count("/") if is_index else 0, path)
