"""The preview follows the clock without `--now`: a notice appears when its time comes, and open
tabs reload then, with no save; with `--now` it stands still."""

from __future__ import annotations

import io
import threading
import time
from datetime import datetime, timedelta, timezone

from conftest import at
from test_serve import Events

from generator.preview.serve import Session
from generator.resident.site import IncrementalSite
from generator.resident.ticker import Ticker

INC = "incidents/2025-09-26-id-outage.yaml"
PAGE = "incidents/2025-09-26-id-outage.html"


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_a_notice_created_mid_minute_is_shown_at_once(tree) -> None:
    """The preview used to round its clock down to the minute: a notice started at 02:49:20, saved
    at 02:49:30, was a 404 until the next save."""
    clock = FakeClock(at("2025-10-05T02:49:30+09:00"))
    tree.write("incidents/2025-10-05-app-login.yaml", """\
        title: {ko: 앱 로그인 지연, en: App sign-in delays}
        impact: minor
        started: 2025-10-05T02:49:20+09:00
        affected:
          - service: transfer
            status: degraded_performance
        updates:
          - at: 2025-10-05T02:49:25+09:00
            status: investigating
            body: {ko: 확인 중입니다., en: We are looking into it.}
        """)
    site = IncrementalSite(tree.root, clock=clock)
    site.rebuild()
    assert site.get("incidents/2025-10-05-app-login.html") is not None


def test_a_notice_due_later_appears_when_its_time_comes(tree) -> None:
    clock = FakeClock(at("2025-09-26T20:00+09:00"))
    site = IncrementalSite(tree.root, clock=clock)
    site.rebuild()
    assert site.get(PAGE) is None, "the incident starts at 20:15"
    assert site.next_change == at("2025-09-26T20:15+09:00")
    clock.now = at("2025-09-26T20:15+09:00")
    result = site.rebuild(set())
    assert site.get(PAGE) is not None and PAGE in result.outdated
    assert site.next_change == at("2025-09-26T21:30+09:00")


def test_with_a_fixed_now_the_preview_stands_still(tree) -> None:
    site = IncrementalSite(tree.root, at("2025-09-26T20:00+09:00"))
    site.rebuild()
    assert site.next_change is None


def test_the_ticker_calls_once_the_clock_reaches_the_moment() -> None:
    clock = FakeClock(datetime(2025, 1, 1, tzinfo=timezone.utc))
    calls: list[datetime] = []
    ticker = Ticker(clock, lambda: calls.append(clock()))
    ticker.start()
    try:
        ticker.arm(clock.now + timedelta(hours=1))
        time.sleep(0.2)
        assert calls == [], "not due yet"
        clock.now += timedelta(hours=1)
        ticker.arm(clock.now)  # any re-arm wakes it; in use, the next save or tick does
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.02)
        assert calls == [clock.now]
    finally:
        ticker.stop()


def test_open_tabs_reload_when_an_update_comes_due(tree) -> None:
    """A real server, a clock running at real speed two seconds before the incident's first
    update: the tab gets a reload, and the page then carries the update, with no save."""
    offset = at("2025-09-26T21:29:58+09:00") - datetime.now(timezone.utc)
    session = Session(IncrementalSite(tree.root, clock=lambda: datetime.now(timezone.utc) + offset), "127.0.0.1", 0,
                      io.StringIO())
    session.start()
    thread = threading.Thread(target=session.serve_forever)
    thread.start()
    try:
        host, port = session.server.server_address[:2]
        tab = Events(str(host), int(port))
        first = tab.until("hello")["build"]
        before, _ = session.preview.get(PAGE)
        assert before is not None and "정부 시스템 장애로".encode() not in before
        assert tab.until("reload")["build"] > first
        after, _ = session.preview.get(PAGE)
        assert after is not None and "정부 시스템 장애로".encode() in after
        tab.close()
    finally:
        session.shutdown()
        thread.join()
        session.close()
