"""The availability history as JSON: the figures and days the pages show, in the same numbers.

A page states '최근 90일 가용률 99.38%' and lists each day's minutes; the API carries exactly those
(availability in percent to two decimals, rounded down as on the page; minutes rounded up as on
the page), under `noticeboard` keys that Statuspage clients ignore. docs/api.md is the contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.state.history import History, Period, minutes
from generator.state.outages import Outage
from generator.state.replay import KINDS

Json = dict[str, Any]


def availability_number(period: Period) -> float | None:
    """The page's figure as a JSON number: 9935 hundredths of a percent are 99.35."""
    return None if period.availability is None else period.availability / 100


def history_json(history: History) -> Json:
    """`{shown, periods[], days[]}`: how many days are shown (the last today), the figures, and
    each day with anything in it."""
    return {
        "shown": history.shown,
        "periods": [{"days": p.days, "availability": availability_number(p), "minutes": _minutes(KINDS, p.seconds)}
                    for p in history.periods],
        "days": [{"date": d.date.isoformat(), "age": d.age, "status": d.status, "minutes": _minutes(KINDS, d.seconds),
                  "incidents": list(d.incidents)} for d in history.days],
    }


def outages_json(outages: Iterable[Outage]) -> list[Json]:
    """An incident's outage time per service: `[{id, implied, minutes{…}}]`."""
    return [{"id": o.service, "implied": o.implied, "minutes": _minutes(KINDS[:3], o.seconds)} for o in outages]


def _minutes(kinds: tuple[str, ...], amounts: tuple[int, ...]) -> dict[str, int]:
    return {kind: minutes(amount) for kind, amount in zip(kinds, amounts)}
