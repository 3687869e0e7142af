"""One line for many services: an affiliate on the group home, a section's badge, the banner, the
API's status.

The worst state alone overstates: with only the bank's app down, "예시은행 ✕ 이용 불가" reads as
the whole bank being down. A rollup says the worst state's word alone only when it holds for
every service ("이용 불가", "정상"); otherwise it says "some", with how many of how many
("일부 서비스 이용 불가 (3/12)"). Pages, badges and the API take their words from `text`
and `headline`, so all of them say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.content.model import severity
from generator.state.derive import Snapshot


@dataclass(frozen=True)
class Rollup:
    """The worst status among `total` services, and how many of them (`count`) are in it."""

    status: str
    count: int
    total: int

    @property
    def whole(self) -> bool:
        """Every service is in the worst status: all down (or all fine), not some."""
        return self.count == self.total

    def text(self, word: Callable[[str], str]) -> str:
        """The short form (a badge, a line per affiliate) in the words `word` looks up by label
        key: the status's own word when it holds for every service, else 'some services …' with
        the count."""
        if self.status == "operational" or self.whole:
            return word(f"status.{self.status}")
        return word(f"rollup.{self.status}").format(count=self.count, total=self.total)

    def headline(self) -> str:
        """The label key of the banner's sentence: 'some services …', or 'all services …' when
        every one of them is in the worst status."""
        if self.status != "operational" and self.whole:
            return f"overall_all.{self.status}"
        return f"overall.{self.status}"


def rollup(snap: Snapshot, service_ids: Iterable[str]) -> Rollup:
    statuses = [snap.services[s].status for s in service_ids]
    worst = max(statuses, key=severity, default="operational")
    return Rollup(worst, statuses.count(worst), len(statuses))
