"""The availability history, computed from notices with known durations: exact minutes per day,
exact percentages, days cut at midnight in the site's zone (23- and 25-hour days included), and,
at every moment, the very status the live page would have shown then."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from conftest import DEMO, at

from generator.content.check import check
from generator.content.model import Content
from generator.state.derive import incidents_by_service, last_activity, service_changes, snapshot, upstreams_of
from generator.state.history import Day, History, SiteHistory, history_end, minutes, site_history
from generator.state.replay import Subject, kind_of, replay, seconds, spans, windows_of

NOW = "2025-09-30T12:00+09:00"
# The 90 days end today, 30 September. The state last changed on the 29th (the upstream outage
# left the recent lists), so today counts from midnight to midnight: nothing of it yet, and the
# days before it whole: 89 whole days from 3 July.
MINUTES_90 = 89 * 1440  # 128,160
MINUTES_30 = 29 * 1440  # 41,760 (from 1 September)

SERVICES = """\
upstreams:
  - id: gov-id
    name: {ko: 정부 신분증 진위확인, en: Government ID check}
groups:
  - id: banking
    name: {ko: 뱅킹, en: Banking}
    services:
      - id: app
        name: {ko: 앱, en: App}
      - id: transfer
        name: {ko: 이체, en: Transfers}
  - id: identity
    name: {ko: 본인확인, en: Identity}
    services:
      - id: id-check
        name: {ko: 신분증 진위확인, en: ID check}
        depends_on: [gov-id]
"""


def incident(started: str, affected: dict[str, str], updates: list[tuple[str, str, dict[str, str]]]) -> str:
    """An incident's YAML: `affected` target → status (upstreams are named gov-*), and updates as
    (at, status, changes)."""
    lines = ["title: {ko: 장애, en: Outage}", "impact: major", f"started: {started}", "affected:"]
    for target, status in affected.items():
        kind = "upstream" if target.startswith("gov-") else "service"
        lines += [f"  - {kind}: {target}", f"    status: {status}"]
    lines.append("updates:")
    for when, status, changes in updates:
        lines += [f"  - at: {when}", f"    status: {status}", "    body: {ko: 안내, en: Notice}"]
        if changes:
            lines.append("    services: {" + ", ".join(f"{k}: {v}" for k, v in changes.items()) + "}")
    return "\n".join(lines) + "\n"


def window(starts: str, ends: str, services: list[str]) -> str:
    return (f"title: {{ko: 점검, en: Maintenance}}\nstarts: {starts}\nends: {ends}\n"
            f"services: [{', '.join(services)}]\n")


@pytest.fixture
def known(tree):
    """Four incidents and a window with durations worked out by hand below."""
    tree.write("services.yaml", SERVICES)
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").unlink()
    # A 90-minute major outage on one day.
    tree.write("incidents/2025-09-10-app.yaml", incident(
        "2025-09-10T10:00+09:00", {"app": "major_outage"},
        [("2025-09-10T10:20+09:00", "identified", {}), ("2025-09-10T11:30+09:00", "resolved", {})]))
    # A partial outage across midnight KST: 23:00 to 02:00.
    tree.write("incidents/2025-09-14-transfer.yaml", incident(
        "2025-09-14T23:00+09:00", {"transfer": "partial_outage"},
        [("2025-09-14T23:10+09:00", "investigating", {}), ("2025-09-15T02:00+09:00", "resolved", {})]))
    # A major outage 09:00-13:00 with a maintenance window 10:00-11:00 inside it.
    tree.write("incidents/2025-09-20-app.yaml", incident(
        "2025-09-20T09:00+09:00", {"app": "major_outage"},
        [("2025-09-20T09:05+09:00", "investigating", {}), ("2025-09-20T13:00+09:00", "resolved", {})]))
    tree.write("maintenance/2025-09-20-app-window.yaml", window("2025-09-20T10:00+09:00", "2025-09-20T11:00+09:00",
                                                                 ["app"]))
    # Only the upstream is named, 14:00-15:00: id-check, which relies on it, is implied down.
    tree.write("incidents/2025-09-22-gov-id.yaml", incident(
        "2025-09-22T14:00+09:00", {"gov-id": "major_outage"},
        [("2025-09-22T14:10+09:00", "identified", {}), ("2025-09-22T15:00+09:00", "resolved", {})]))
    return tree


def history_of(root: Path, now: str = NOW) -> tuple[Content, dict[str, History], SiteHistory]:
    content = check(root).content
    found = site_history(content, snapshot(content, at(now)))
    return content, found.entries, found


def day_minutes(history: History) -> dict[str, tuple[int, int, int, int]]:
    """Each day shown that held anything, as its minutes of (major, partial, degraded, maintenance)."""
    return {d.date.isoformat(): tuple(minutes(s) for s in d.seconds) for d in history.days}


def hundredths(down_tenths: int, measured_minutes: int) -> int:
    """The figure worked out by hand: availability in hundredths of a percent, rounded down."""
    return (measured_minutes * 10 - down_tenths) * 10000 // (measured_minutes * 10)


def test_a_90_minute_outage_and_a_window_inside_an_outage(known) -> None:
    _, entries, _ = history_of(known.root)
    app = entries["app"]
    assert app.shown == 90 and [(d.date, d.age) for d in app.days] == [(date(2025, 9, 10), 20), (date(2025, 9, 20), 10)]
    assert day_minutes(app) == {"2025-09-10": (90, 0, 0, 0), "2025-09-20": (180, 0, 0, 60)}
    # 270 minutes down; the window's 60 minutes are left out of the time measured too.
    assert app.overall.availability == hundredths(10 * 270, MINUTES_90 - 60) == 9978
    assert app.month.availability == hundredths(10 * 270, MINUTES_30 - 60) == 9935
    assert [d.incidents for d in app.days] == [("2025-09-10-app",), ("2025-09-20-app",)]


def test_the_days_shown_are_the_sites_choice_and_30_days_are_always_given(known) -> None:
    """`availability: {days: 14}` shows the last 14 days (20 and 22 September, not the 10th); the
    30-day figure is still worked out over 30 days, as the badge and the API give it."""
    known.write("site.yaml", known.root.joinpath("site.yaml").read_text(encoding="utf-8")
                + "availability:\n  days: 14\n")
    _, entries, _ = history_of(known.root)
    app = entries["app"]
    assert app.shown == 14 and [d.date.isoformat() for d in app.days] == ["2025-09-20"]
    assert [p.days for p in app.periods] == [14, 30]
    assert app.overall.availability == hundredths(10 * 180, 13 * 1440 - 60) == 9903
    assert app.month.availability == hundredths(10 * 270, MINUTES_30 - 60) == 9935


def test_a_partial_outage_across_midnight_is_cut_at_midnight_and_counts_30_percent(known) -> None:
    _, entries, _ = history_of(known.root)
    transfer = entries["transfer"]
    assert day_minutes(transfer) == {"2025-09-14": (0, 60, 0, 0), "2025-09-15": (0, 120, 0, 0)}
    assert [d.status for d in transfer.days] == ["partial_outage", "partial_outage"]
    assert transfer.overall.availability == hundredths(3 * 180, MINUTES_90) == 9995
    assert transfer.month.availability == hundredths(3 * 180, MINUTES_30) == 9987


def test_a_service_implied_down_through_its_upstream_counts(known) -> None:
    _, entries, found = history_of(known.root)
    assert day_minutes(entries["id-check"]) == {"2025-09-22": (60, 0, 0, 0)}
    assert entries["id-check"].overall.availability == hundredths(10 * 60, MINUTES_90) == 9995
    outages = found.outages["2025-09-22-gov-id"]
    assert [(o.service, o.implied, o.seconds) for o in outages] == [("id-check", True, (3600, 0, 0))]


def test_an_incident_naming_the_service_decides_its_status_over_the_upstream(known) -> None:
    """As on the live page: while an open incident names id-check as merely slow, the upstream's
    outage does not make it count as down."""
    known.write("incidents/2025-09-22-slow.yaml", incident(
        "2025-09-22T13:30+09:00", {"id-check": "degraded_performance"},
        [("2025-09-22T13:40+09:00", "identified", {}), ("2025-09-22T14:30+09:00", "resolved", {})]))
    _, entries, _ = history_of(known.root)
    # 13:30-14:30 slow (named), then 14:30-15:00 down through the upstream.
    assert day_minutes(entries["id-check"]) == {"2025-09-22": (30, 0, 60, 0)}


def test_a_group_pools_its_services_minutes(known) -> None:
    _, entries, _ = history_of(known.root)
    banking = entries["banking"]
    # app: 270 down, 60 maintenance; transfer: 180 partial. Two services' minutes, less the window.
    assert banking.overall.availability == hundredths(10 * 270 + 3 * 180, 2 * MINUTES_90 - 60) == 9987
    assert [(d.date.isoformat(), d.status) for d in banking.days] == [
        ("2025-09-10", "major_outage"), ("2025-09-14", "partial_outage"), ("2025-09-15", "partial_outage"),
        ("2025-09-20", "major_outage")]


def test_an_open_incident_counts_until_the_state_last_changed_or_midnight(known) -> None:
    """Today runs as far as the time the page's status is as of (its last change), so two builds
    with nothing new in between write the same figures; a day before today is always whole."""
    known.write("incidents/2025-09-29-transfer.yaml", incident(
        "2025-09-29T22:00+09:00", {"transfer": "major_outage"}, [("2025-09-30T09:30+09:00", "identified", {})]))
    content, entries, found = history_of(known.root)
    assert found.until["transfer"] == at("2025-09-30T09:30+09:00")
    assert day_minutes(entries["transfer"])["2025-09-29"] == (120, 0, 0, 0)
    assert day_minutes(entries["transfer"])["2025-09-30"] == (570, 0, 0, 0)
    outages = found.outages["2025-09-29-transfer"]
    assert [(o.service, minutes(o.seconds[0])) for o in outages] == [("transfer", 690)]
    assert history_of(known.root, "2025-09-30T11:59+09:00")[1] == entries
    # Past midnight, with nothing new: the 30th is whole, the 1st not begun.
    _, later, found = history_of(known.root, "2025-10-01T08:00+09:00")
    assert found.until["transfer"] == at("2025-10-01T00:00+09:00")
    assert day_minutes(later["transfer"])["2025-09-30"] == (1440, 0, 0, 0) and "2025-10-01" not in day_minutes(later["transfer"])


def test_per_incident_minutes_leave_maintenance_out(known) -> None:
    _, _, found = history_of(known.root)
    rows = found.outages["2025-09-20-app"]
    assert [(o.service, o.implied, minutes(o.seconds[0])) for o in rows] == [("app", False, 180)]


def test_days_are_cut_at_midnight_where_clocks_change(tree) -> None:
    """America/New_York: 9 March 2025 has 23 hours, 2 November 25. An outage over each whole day
    counts that day's real length, and the days around it their own hours."""
    tree.replace("site.yaml", "timezone: Asia/Seoul", "timezone: America/New_York\navailability: {days: 365}")
    tree.write("services.yaml", SERVICES)
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").unlink()
    tree.write("incidents/2025-03-08-spring.yaml", incident(
        "2025-03-08T23:00-05:00", {"app": "major_outage"},
        [("2025-03-08T23:30-05:00", "investigating", {}), ("2025-03-10T01:00-04:00", "resolved", {})]))
    tree.write("incidents/2025-11-01-autumn.yaml", incident(
        "2025-11-01T22:00-04:00", {"app": "major_outage"},
        [("2025-11-01T22:30-04:00", "investigating", {}), ("2025-11-03T01:00-05:00", "resolved", {})]))
    _, entries, _ = history_of(tree.root, "2025-11-10T12:00-05:00")
    app = entries["app"]
    assert app.shown == 365 and app.days[0].age == (date(2025, 11, 10) - date(2025, 3, 8)).days
    assert {d: m[0] for d, m in day_minutes(app).items()} == {
        "2025-03-08": 60, "2025-03-09": 23 * 60, "2025-03-10": 60,
        "2025-11-01": 120, "2025-11-02": 25 * 60, "2025-11-03": 60}
    # The year measured holds both days, so it is 364 days of 24 hours exactly, and today until the
    # state last changed: at 01:00, when the autumn outage left the recent lists.
    measured = 364 * 1440 + 60
    assert app.overall.availability == hundredths(10 * (60 + 1380 + 60 + 120 + 1500 + 60), measured)


def _moments(content: Content, now: str) -> list[int]:
    """Every moment something changed, and a minute before and after each."""
    found = {seconds(i.started) for i in content.incidents} | {seconds(u.at) for i in content.incidents
                                                               for u in i.updates}
    found |= {seconds(m.starts) for m in content.maintenance} | {seconds(m.ends) for m in content.maintenance}
    limit = seconds(at(now))
    return sorted(t + d for t in found for d in (-60, 0, 60) if t + d <= limit)


@pytest.mark.parametrize("source", ["demo", "known"])
def test_at_every_moment_the_history_shows_what_the_page_showed_then(source: str, known) -> None:
    """The history replays derive's own rule over time: at each change, and a minute either side,
    the status it holds is the status `snapshot` gives for that moment."""
    root, now = (DEMO, "2025-11-01T00:00+09:00") if source == "demo" else (known.root, NOW)
    content = check(root).content
    snap = snapshot(content, at(now))
    replays = [replay(s.incident, snap.now) for s in snap.incidents]
    for service in content.catalog.services:
        windows = tuple((seconds(m.starts), seconds(m.ends)) for m in content.maintenance if service.id in m.services)
        subject = Subject(service.id, tuple(upstreams_of(service, content)), windows)
        timeline = spans(subject, replays, _moments(content, now)[0] - 3600, seconds(at(now)) + 1)
        for moment in _moments(content, now):
            shown = next(s.status for s in timeline if s.start <= moment < s.end)
            when = datetime.fromtimestamp(moment, timezone.utc)
            assert shown == snapshot(content, when).services[service.id].status, (service.id, when)


@pytest.mark.parametrize("source", ["demo", "known", "synthetic"])
def test_an_incidents_minutes_by_service_are_its_own_timeline(source: str, known, tmp_path: Path) -> None:
    """The incident page's minutes, worked out step by step, equal what the general timeline
    gives for that incident alone: the services it names, those it hits through an upstream."""
    from bench.synthetic import generate

    root, now = {"demo": (DEMO, "2025-11-01T00:00+09:00"), "known": (known.root, NOW),
                 "synthetic": (generate(tmp_path / "synthetic", incidents=300), "2025-09-27T10:00+09:00")}[source]
    content = check(root).content
    snap = snapshot(content, at(now))
    history = site_history(content, snap)
    found = history.outages
    via = {s.id: set(upstreams_of(s, content)) for s in content.catalog.services}
    for state in snap.incidents:
        steps = replay(state.incident, snap.now)
        since, until = steps.times[0], steps.end or seconds(history_end(content, snap, last_activity(state)))
        expected = []
        for service in content.catalog.services:
            if service.id not in steps.targets and not via[service.id] & steps.targets:
                continue
            subject = Subject(service.id, tuple(upstreams_of(service, content)),
                              windows_of(content.maintenance, service.id, since, until))
            total = [0] * 5
            for span in spans(subject, [steps], since, until):
                total[kind_of(span)] += span.end - span.start
            if any(total[:3]):
                expected.append((service.id, service.id not in steps.targets, tuple(total[:3])))
        assert [(o.service, o.implied, o.seconds) for o in found[state.incident.id]] == expected, state.incident.id


def test_the_days_shown_end_today_and_a_day_with_nothing_is_not_listed(known) -> None:
    _, entries, _ = history_of(known.root)
    transfer = entries["transfer"]
    # 08:00 in Seoul is still the 29th in UTC: given either way, today is the 30th.
    early = history_of(known.root, "2025-09-30T08:00+09:00")[1]
    assert history_of(known.root, "2025-09-29T23:00Z")[1] == early and early["app"].days[-1].age == 10
    assert all(isinstance(d, Day) and any(d.seconds) for d in transfer.days)
    _, quiet, _ = history_of(known.root, "2025-12-31T12:00+09:00")
    assert quiet["app"].days == () and quiet["app"].overall.availability == 10000


def test_midnight_is_a_change_only_while_anything_lies_within_the_days(known) -> None:
    """The bars move on at midnight, so a scheduler must build then; a quiet site's history reads
    the same every day and asks for no build."""
    content = check(known.root).content
    assert snapshot(content, at(NOW)).next_change == at("2025-10-01T00:00+09:00")
    quiet = snapshot(content, at("2025-12-31T12:00+09:00"))  # the last notice was 100 days before
    assert quiet.next_change is None
    day_after = snapshot(content, at("2026-01-01T12:00+09:00"))
    assert site_history(content, quiet).entries == site_history(content, day_after).entries


def test_each_services_today_runs_to_its_own_last_change_even_through_an_upstream(known) -> None:
    """Two open incidents: app down from 08:00 (its last change), and one about transfers whose
    update at 11:00 names only gov-id, which id-check relies on. id-check's today runs to that
    update (the same time its page is as of), app's to 08:00, transfer's to 11:00; the banking
    group pools app's and transfer's own spans."""
    known.write("incidents/2025-09-30-app.yaml", incident("2025-09-30T08:00+09:00", {"app": "major_outage"},
                                                           [("2025-09-30T08:00+09:00", "investigating", {})]))
    known.write("incidents/2025-09-30-transfer.yaml", incident(
        "2025-09-30T09:00+09:00", {"transfer": "degraded_performance"},
        [("2025-09-30T11:00+09:00", "identified", {"gov-id": "major_outage"})]))
    content, entries, found = history_of(known.root)
    snap = snapshot(content, at(NOW))
    changes = service_changes(content, snap, incidents_by_service(content, snap))
    assert changes["id-check"] == at("2025-09-30T11:00+09:00")
    assert found.until == {"app": at("2025-09-30T08:00+09:00"), "transfer": at("2025-09-30T11:00+09:00"),
                           "id-check": at("2025-09-30T11:00+09:00")}
    assert "2025-09-30" not in day_minutes(entries["id-check"]), "implied down from 11:00, counted as far as 11:00"
    assert "2025-09-30" not in day_minutes(entries["app"]), "down from 08:00, counted as far as 08:00"
    assert day_minutes(entries["transfer"])["2025-09-30"] == (0, 0, 120, 0)
    app_down = (90 + 180) * 10  # tenths: the 10th's 90 minutes, the 20th's 4 hours less the window's hour
    assert entries["app"].month.availability == hundredths(app_down, MINUTES_30 + 480 - 60)
    banking = (MINUTES_30 + 480 - 60) + (MINUTES_30 + 660)  # each today to its own last change
    assert entries["banking"].month.availability == hundredths(app_down + 3 * 180, banking)
