"""Availability history: per service, group and affiliate, what each of the last days held, and
how available each was over the last 30 days and over all the days shown; per incident, how long
each service it hit was down. Computed at build time from the notices, in the site's time zone.

The rule (docs/availability.md), chosen from the hosted status pages' published ones:

- Time is classed by the status the site showed then (replay.py, derive's own rule). A major
  outage counts fully as down and a partial outage 30% (Instatus's and Statuspage's weighting: a
  partial outage leaves most customers served); degraded performance is shown but not counted as
  down (Statuspage, Instatus and incident.io all treat it as up).
- Time inside one of the service's maintenance windows, or shown as under maintenance, is left
  out of both sides: announced work neither lowers nor raises the figure. An outage that overruns
  its window counts from the window's end.
- A service shown down only because an upstream it relies on is down (implied) counts like one an
  incident names: customers were told it was unavailable. An incident that names the service
  decides its status instead, as on the live page.
- Days start at midnight in the site's zone (23 or 25 hours long where clocks change); today
  runs until the service's own last change (derive.service_changes, what its page is "as of"),
  not `now` nor the site's last change, so a build with nothing new writes the same figures and
  an update about one service leaves every other service's figures as they were
  (`history_end`). A figure is rounded down to a hundredth of a percent, so a service with any
  downtime never shows 100%.

A group's or affiliate's figure pools its services' time: the share of all its service-minutes
that were available, each service's today running to its own last change. Its day holds the sum
of its services' seconds and is coloured by the worst.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from generator.clock import local_midnight
from generator.content.model import Content
from generator.state.affiliates import services_of
from generator.state.derive import IncidentState, Snapshot, incidents_by_service, service_changes, upstreams_of
from generator.state.outages import Outages
from generator.state.replay import AVAILABLE, KINDS, Replay, Span, Subject, kind_of, replay, seconds, spans, windows_of
from generator.state.timeline import MONTH, history_span

WEIGHT_TENTHS = (10, 3, 0)  # how much of a second of each outage kind counts as down, in tenths
Seconds = tuple[int, int, int, int]  # per kind of KINDS


@dataclass(frozen=True, slots=True)
class Day:
    """A day with anything to show: seconds per kind of KINDS, and the incidents behind them."""

    date: date
    age: int  # days before today (0: today)
    seconds: Seconds
    incidents: tuple[str, ...]

    @property
    def status(self) -> str:
        """The worst kind the day held, which colours its bar."""
        return next((kind for kind, amount in zip(KINDS, self.seconds) if amount), "operational")


@dataclass(frozen=True, slots=True)
class Period:
    """Availability over the last `days` days: hundredths of a percent rounded down (None when all
    of it was maintenance), and the seconds of each kind of KINDS."""

    days: int
    availability: int | None
    seconds: Seconds


@dataclass(frozen=True, slots=True)
class History:
    """One service's, group's or affiliate's history: how many days are shown (the last of them
    today), those with anything to show, and the periods (30 days, then all the days shown).
    Nothing in it names today's date: a history with nothing to show is the same every day."""

    shown: int
    days: tuple[Day, ...]
    periods: tuple[Period, ...]

    @property
    def overall(self) -> Period:
        """Availability over all the days shown."""
        return self.period(self.shown)

    @property
    def month(self) -> Period:
        """Availability over the last 30 days."""
        return self.period(MONTH)

    def period(self, days: int) -> Period:
        return next(p for p in self.periods if p.days == days)


def availability(seconds: Seconds, elapsed: int) -> int | None:
    """Hundredths of a percent available of `elapsed` seconds (of every member's time, pooled),
    rounded down; exact in integers, so the page, the API and a test agree to the digit."""
    counted = elapsed - seconds[3]
    if counted <= 0:
        return None
    down_tenths = sum(weight * amount for weight, amount in zip(WEIGHT_TENTHS, seconds))
    return (10 * counted - down_tenths) * 10000 // (10 * counted)


def percent(hundredths: int) -> str:
    """A figure as pages and badges state it: '99.35' for 9935 hundredths; '100' when nothing was down."""
    return "100" if hundredths == 10000 else f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True)
class SiteHistory:
    """One view's histories: `entries` by service and group id (unique together), `affiliates`
    by affiliate id, `total` over all its services, `outages` by incident id, and `until`, the
    moment each service's history runs to (see `history_end`)."""

    entries: dict[str, History]
    affiliates: dict[str, History]
    total: History
    outages: Outages
    until: dict[str, datetime]


def site_history(content: Content, snap: Snapshot) -> SiteHistory:
    """The histories of the view `content` and `snap` make. The last answer is kept for the same
    two objects: the pages and the machine outputs of one build both read it."""
    if _LAST and _LAST[0][0] is content and _LAST[0][1] is snap:
        return _LAST[0][2]
    found = _site_history(content, snap)
    _LAST[:] = [(content, snap, found)]
    return found


_LAST: list[tuple[Content, Snapshot, SiteHistory]] = []


@dataclass(frozen=True)
class _Frame:
    """The days worked out: day `k` starts at `bounds[k]`; the last one is today (each service's
    runs to its own end); the last `shown` of them are shown."""

    today: date
    bounds: tuple[int, ...]
    shown: int

    @property
    def count(self) -> int:
        return len(self.bounds) - 1


_Days = dict[int, tuple[list[int], set[str]]]  # day index -> seconds per kind, incidents


@dataclass(frozen=True, slots=True)
class _Tally:
    """One service's days, and the second its today runs to."""

    days: _Days
    until: int


def _site_history(content: Content, snap: Snapshot) -> SiteHistory:
    ends = {sid: history_end(content, snap, moment)
            for sid, moment in service_changes(content, snap, incidents_by_service(content, snap)).items()}
    frame = _frame(content, snap.now)
    since = frame.bounds[0]
    replays = [replay(s.incident, snap.now) for s in snap.incidents if _reaches(s, since)]
    naming: dict[str, list[Replay]] = {}
    for found in replays:
        for target in found.targets:
            naming.setdefault(target, []).append(found)
    tallies: dict[str, _Tally] = {}
    for service in content.catalog.services:
        upstreams = tuple(upstreams_of(service, content))
        relevant = _unique(found for target in (service.id, *upstreams) for found in naming.get(target, ()))
        until = seconds(ends[service.id])
        subject = Subject(service.id, upstreams, windows_of(content.maintenance, service.id, since, until))
        tallies[service.id] = _Tally(_tally(spans(subject, relevant, since, until), frame), until)
    entries = {sid: _history([tally], frame) for sid, tally in tallies.items()}
    entries.update({g.id: _history([tallies[s] for s in g.services], frame) for g in content.catalog.groups})
    affiliates = {a.id: _history([tallies[s] for s in services_of(content, a.id)], frame)
                  for a in content.site.affiliates}
    return SiteHistory(entries, affiliates, _history(list(tallies.values()), frame),
                       Outages(content, snap, history_end(content, snap, None)), ends)


def history_end(content: Content, snap: Snapshot, changed: datetime | None) -> datetime:
    """The moment a history runs to: `changed`, the last change of what it is about (a service's
    own, derive.service_changes; an open incident's last update), or today's midnight in the
    site's zone if that is later. Days before today are whole; today is counted as far as the
    page's own "as of" time, so a build with nothing new in between writes the same figures
    (state/timeline.py), a build after midnight completes the day before, and an update about
    one service moves no other service's figures."""
    midnight = local_midnight(snap.now.astimezone(content.site.tz).date(), content.site.tz)
    return midnight if changed is None or changed < midnight else changed


def _frame(content: Content, now: datetime) -> _Frame:
    """The days of the window in the site's zone: enough for the days shown and for 30."""
    tz = content.site.tz
    today = now.astimezone(tz).date()
    count = history_span(content.site)
    bounds = tuple(seconds(local_midnight(today - timedelta(days=count - 1 - k), tz)) for k in range(count + 1))
    return _Frame(today, bounds, content.site.history_days)


def _reaches(state: IncidentState, since: int) -> bool:
    """Whether the incident was open at any time from `since` on."""
    return state.is_open or state.resolved_at is None or seconds(state.resolved_at) > since


def _unique(replays: Iterable[Replay]) -> list[Replay]:
    return list({id(found): found for found in replays}.values())


def _tally(found: Iterable[Span], frame: _Frame) -> _Days:
    """Seconds of each kind per day, cutting spans at midnight in the site's zone."""
    tally: _Days = {}
    bounds = frame.bounds
    for span in found:
        kind = kind_of(span)
        if kind == AVAILABLE and not span.incidents:
            continue
        start, end = span.start, span.end
        day = bisect_right(bounds, start) - 1
        while day < frame.count and bounds[day] < end:
            piece = min(end, bounds[day + 1]) - max(start, bounds[day])
            entry = tally.setdefault(day, ([0, 0, 0, 0], set()))
            if kind < AVAILABLE:
                entry[0][kind] += piece
            entry[1].update(span.incidents)
            day += 1
    return tally


def _history(tallies: Sequence[_Tally], frame: _Frame) -> History:
    """A history from its members' tallies (one for a service), their seconds pooled."""
    merged: _Days = {}
    for tally in tallies:
        for day, (amounts, incidents) in tally.days.items():
            entry = merged.setdefault(day, ([0, 0, 0, 0], set()))
            for kind, amount in enumerate(amounts):
                entry[0][kind] += amount
            entry[1].update(incidents)
    hidden = frame.count - frame.shown
    days = tuple(Day(frame.today - timedelta(days=frame.count - 1 - day), frame.count - 1 - day, _four(amounts),
                     tuple(sorted(incidents)))
                 for day, (amounts, incidents) in sorted(merged.items())
                 if day >= hidden and (any(amounts) or incidents))
    untils = [tally.until for tally in tallies]
    periods = tuple(_period(merged, frame, length, untils) for length in sorted({MONTH, frame.shown}))
    return History(frame.shown, days, periods)


def _period(merged: _Days, frame: _Frame, length: int, untils: list[int]) -> Period:
    """The figure over the last `length` days, each member measured to its own today's end."""
    start = frame.count - length
    total = [0, 0, 0, 0]
    for day, (amounts, _) in merged.items():
        if day >= start:
            total = [a + b for a, b in zip(total, amounts)]
    found = _four(total)
    return Period(length, availability(found, sum(until - frame.bounds[start] for until in untils)), found)


def _four(amounts: list[int]) -> Seconds:
    return amounts[0], amounts[1], amounts[2], amounts[3]


def minutes(amount: int) -> int:
    """Seconds as whole minutes, rounded up: a short outage never reads as none."""
    return -(-amount // 60)


def marked_days(history: History) -> Iterator[tuple[int, Day]]:
    """Each day with anything to show, with its place among the days shown (0 = the first)."""
    for day in history.days:
        yield history.shown - 1 - day.age, day
