"""Maintenance calendars read by the icalendar parser, as a customer's calendar app would."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import DEMO, DEMO_NOW, at
from icalendar import Calendar

from generator.build import build

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at(DEMO_NOW))
    return out


def events(path: Path) -> list:
    calendar = Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def test_every_calendar_parses_and_events_match_the_yaml_in_the_site_zone(demo_site: Path) -> None:
    calendars = sorted(demo_site.rglob("*.ics"))
    assert {p.relative_to(demo_site).as_posix() for p in calendars} >= {
        "maintenance.ics", "en/maintenance.ics", "bank/maintenance.ics", "securities/maintenance.ics"}
    windows = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (DEMO / "maintenance").glob("*.yaml")}
    for path in calendars:
        found = events(path)
        for event in found:
            window = windows[str(event["UID"]).removeprefix("maintenance-").split("@")[0]]
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            assert (start, end) == (at(str(window["starts"])), at(str(window["ends"])))
            assert str(start.tzinfo) == "Asia/Seoul" and event["DTSTART"].params["TZID"] == "Asia/Seoul"
        assert bool(Calendar.from_ical(path.read_bytes()).walk("VTIMEZONE")) == bool(found), path


def test_titles_descriptions_and_links_per_language(demo_site: Path) -> None:
    korean = {str(e["SUMMARY"]): e for e in events(demo_site / "maintenance.ics")}
    english = {str(e["SUMMARY"]): e for e in events(demo_site / "en" / "maintenance.ics")}
    upgrade = korean["인터넷뱅킹·모바일 앱 시스템 개선 작업"]
    assert "ATM 입출금, 카드 결제" in str(upgrade["DESCRIPTION"])
    assert "**" not in str(upgrade["DESCRIPTION"]), "Markdown becomes plain text in a calendar"
    assert str(upgrade["URL"]) == "https://status.example.com/maintenance/2025-10-12-banking-system-upgrade.html"
    assert "Internet banking and mobile app upgrade" in english
    assert str(english["Internet banking and mobile app upgrade"]["UID"]) == str(upgrade["UID"])


def test_an_affiliate_calendar_has_only_its_own_windows(demo_site: Path) -> None:
    assert [str(e["SUMMARY"]) for e in events(demo_site / "bank" / "maintenance.ics")] == ["인터넷뱅킹·모바일 앱 시스템 개선 작업"]
    assert [str(e["SUMMARY"]) for e in events(demo_site / "card" / "maintenance.ics")] == []


def test_every_event_links_to_a_page_the_build_wrote(demo_site: Path) -> None:
    """An affiliate's calendar links to the group's one page per window: sections keep no copies."""
    for path in demo_site.rglob("*.ics"):
        for event in events(path):
            page = str(event["URL"]).removeprefix("https://status.example.com/")
            assert (demo_site / page).is_file(), f"{path.relative_to(demo_site)}: {event['URL']}"
    bank = events(demo_site / "en" / "bank" / "maintenance.ics")[0]
    assert str(bank["URL"]) == "https://status.example.com/en/maintenance/2025-10-12-banking-system-upgrade.html"


def test_uids_are_stable_across_rebuilds_at_other_times(demo_site: Path, tmp_path: Path) -> None:
    build(DEMO, tmp_path / "later", at("2025-10-20T00:00+09:00"))
    before = sorted(str(e["UID"]) for e in events(demo_site / "maintenance.ics"))
    after = sorted(str(e["UID"]) for e in events(tmp_path / "later" / "maintenance.ics"))
    assert before == after and len(before) == 2
    stamps = {e.decoded("DTSTAMP") for e in events(tmp_path / "later" / "maintenance.ics")}
    assert stamps == {at("2025-10-12T06:00+09:00")}, "DTSTAMP is when the state last changed (the window's end)"
    build(DEMO, tmp_path / "later-still", at("2025-10-21T09:30+09:00"))
    assert (tmp_path / "later-still" / "maintenance.ics").read_bytes() == \
        (tmp_path / "later" / "maintenance.ics").read_bytes(), "nothing happened in between: the same calendar"


def test_a_window_written_in_another_offset_lands_at_the_same_instant(tree, tmp_path: Path) -> None:
    tree.write("maintenance/2025-10-12-utc.yaml", """\
        title: {ko: "점검 <b>긴급</b>, 세미콜론; 쉼표", en: Maintenance}
        starts: 2025-10-11T15:00Z
        ends: 2025-10-11T21:00Z
        services: [transfer]
        """)
    out = tmp_path / "public"
    build(tree.root, out, at(DEMO_NOW))
    (event,) = events(out / "maintenance.ics")
    assert event.decoded("DTSTART") == datetime(2025, 10, 12, 0, 0, tzinfo=SEOUL)
    assert event.decoded("DTSTART").utcoffset() == datetime(2025, 10, 12, tzinfo=SEOUL).utcoffset()
    assert str(event["SUMMARY"]) == "점검 <b>긴급</b>, 세미콜론; 쉼표"
    assert "긴급</b>\\, 세미콜론\\; 쉼표".encode() in (out / "maintenance.ics").read_bytes(), "RFC 5545 escaping"


def test_a_site_title_with_separators_is_escaped_in_the_calendar_name(tree, tmp_path: Path) -> None:
    tree.replace("site.yaml", "title: {ko: 테스트은행 서비스 상태", 'title: {ko: "테스트은행, 카드; 증권\\n상태"')
    out = tmp_path / "public"
    build(tree.root, out, at(DEMO_NOW))
    raw = (out / "maintenance.ics").read_bytes()
    assert "X-WR-CALNAME:테스트은행\\, 카드\\; 증권\\n상태\r\n".encode() in raw
    Calendar.from_ical(raw)
