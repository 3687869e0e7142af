"""What a deploy sends to one host, and in which order.

Only files whose content hash differs are sent. The order keeps every published page whole
even if the deploy stops half-way: new assets first (a page may already link to them), then
data (JSON, feeds, calendars, …), then pages — index pages last, so a link to a new incident
page never arrives before that page does — and deletions of stale files at the very end,
once nothing published still links to them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from generator.machine.hosting import ASSETS

Action = Literal["new", "change", "delete"]
Digest = Callable[[bytes], str]


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


def make_plan(files: Mapping[str, bytes], remote: Mapping[str, str | None], digest: Digest) -> Plan:
    """Compare the built files with what the host holds (path → hash, None when the host can't say)."""
    uploads: list[Step] = []
    unchanged = 0
    for path, data in files.items():
        if path not in remote:
            uploads.append(Step(path, "new"))
        elif remote[path] is None or remote[path] != digest(data):
            uploads.append(Step(path, "change"))
        else:
            unchanged += 1
    uploads.sort(key=lambda step: upload_rank(step.path))
    deletes = [Step(path, "delete") for path in sorted(remote) if path not in files]
    return Plan(tuple(uploads + deletes), unchanged)


def upload_rank(path: str) -> tuple[int, int, int, str]:
    """Assets, then everything that isn't a page, then pages; among pages, index pages deepest first."""
    if path.startswith(ASSETS):
        return (0, 0, 0, path)
    if not path.endswith(".html"):
        return (1, 0, 0, path)
    is_index = path == "index.html" or path.endswith("/index.html")
    return (2, int(is_index), -path.count("/") if is_index else 0, path)
