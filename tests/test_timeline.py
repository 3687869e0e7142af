"""Time that moves: notices dated ahead of now are caught, not silently hidden; pages state when
the status last changed, so builds with nothing due in between are identical; the next moment
the site changes by itself is known (build summary, API); late promised updates are flagged."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cli_run import run_cli
from conftest import at

from generator.build import build
from generator.content.check import check
from generator.state.derive import snapshot
from generator.state.reminders import meant

INC = "incidents/2025-09-26-id-outage.yaml"
SHOWN = "content/" + INC
KST = ZoneInfo("Asia/Seoul")


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def test_a_day_typo_in_started_is_warned_at_its_line_with_the_time_meant(tree) -> None:
    """Posting at 02:49 on the 5th, the operator typed the 15th (twice): the notice would not appear."""
    tree.write("incidents/2025-10-05-app-login.yaml", """\
        title: {ko: 앱 로그인 지연, en: App sign-in delays}
        impact: minor
        started: 2025-10-15T02:30+09:00
        affected:
          - service: transfer
            status: degraded_performance
        updates:
          - at: 2025-10-15T02:40+09:00
            status: investigating
            body: {ko: 확인 중입니다., en: We are looking into it.}
        """)
    result = run_cli("check", "--content", tree.root, "--now", "2025-10-05T02:49+09:00", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    found = lines_with(result.stderr, "the incident starts 9 days from now")
    assert found and found[0].startswith("content/incidents/2025-10-05-app-login.yaml:3:10: warning:"), result.stderr
    assert "did you mean 2025-10-05T02:30+09:00?" in result.stderr
    assert "nothing wrong found" not in result.stdout and "1 warning to review" in result.stdout


def test_an_hour_typo_in_an_update_is_warned_and_its_text_is_missing_until_then(tree) -> None:
    """02:00 typed as 12:00: the update exists, the site does not show it for ten hours."""
    result = run_cli("check", "--content", tree.root, "--now", "2025-09-28T02:49+09:00", cwd=tree.root.parent)
    assert "update 2 is dated 9 h 11 min from now (2025-09-28T12:00+09:00)" in result.stderr, result.stderr
    assert f"{SHOWN}:16:9: warning: update 2 is dated" in result.stderr
    assert "did you mean 2025-09-28T02:00+09:00?" in result.stderr
    assert "add `scheduled: true`" in result.stderr


def test_a_notice_meant_for_later_says_so_and_is_listed_instead_of_warned(tree) -> None:
    tree.replace(INC, "- at: 2025-09-28T12:00+09:00", "- at: 2025-09-28T12:00+09:00\n    scheduled: true")
    result = run_cli("check", "--content", tree.root, "--now", "2025-09-28T02:49+09:00", cwd=tree.root.parent)
    assert "update 2 is dated" not in result.stderr, result.stderr
    assert f"appears 2025-09-28T12:00+09:00: update 2 of {SHOWN}" in result.stdout
    assert "next change by itself: 2025-09-28T12:00+09:00" in result.stdout


def test_the_usual_slips_give_the_latest_time_that_fits() -> None:
    now = datetime(2025, 12, 5, 2, 49, tzinfo=KST)
    assert meant(datetime(2025, 12, 15, 2, 30, tzinfo=KST), now, None, KST) == datetime(2025, 12, 5, 2, 30, tzinfo=KST)
    assert meant(datetime(2025, 12, 5, 12, 30, tzinfo=KST), now, None, KST) == datetime(2025, 12, 5, 2, 30, tzinfo=KST)
    assert meant(datetime(2025, 12, 5, 14, 30, tzinfo=KST), now, None, KST) == datetime(2025, 12, 5, 2, 30, tzinfo=KST)
    assert meant(datetime(2025, 12, 5, 3, 30, tzinfo=KST), now, None, KST) == datetime(2025, 12, 5, 2, 30, tzinfo=KST)
    previous = datetime(2025, 12, 5, 2, 45, tzinfo=KST)  # nothing before the last update fits
    assert meant(datetime(2025, 12, 5, 14, 30, tzinfo=KST), now, previous, KST) is None


def test_pages_state_when_the_status_last_changed_so_a_later_build_is_the_same(tree, tmp_path: Path) -> None:
    """Two builds seven minutes apart with no notice due in between write the same bytes, which
    is what lets a scheduled deploy every few minutes send nothing."""
    first = build(tree.root, tmp_path / "a", at("2025-09-27T10:00+09:00"), use_cache=False)
    build(tree.root, tmp_path / "b", at("2025-09-27T10:07+09:00"), use_cache=False)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert a == b
    assert first.snapshot is not None and first.snapshot.changed_at == at("2025-09-26T21:30+09:00")
    home = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert 'datetime="2025-09-26T21:30:00+09:00"' in home and "10:00" not in home


def test_the_api_states_the_last_and_next_change(tree, tmp_path: Path) -> None:
    content = check(tree.root).content
    snap = snapshot(content, at("2025-09-27T10:00+09:00"))
    build(tree.root, tmp_path / "out", at("2025-09-27T10:00+09:00"), use_cache=False)
    page = json.loads((tmp_path / "out" / "api" / "v2" / "status.json").read_text(encoding="utf-8"))["page"]
    assert page["noticeboard"]["changed_at"] == "2025-09-26T21:30:00+09:00"
    # The next update is due at 12:00 on the 28th, but the outage lies within the availability
    # history's days: at midnight its bars move on and the 27th becomes a whole day of it.
    assert snap.next_change == at("2025-09-28T00:00+09:00")
    assert page["noticeboard"]["next_change"] == "2025-09-28T00:00:00+09:00"
    assert snapshot(content, at("2025-09-28T00:00+09:00")).next_change == at("2025-09-28T12:00+09:00")
    assert page["updated_at"] == "2025-09-26T21:30:00+09:00"


def test_a_promised_update_that_is_late_is_flagged_and_shown_to_readers(tree, tmp_path: Path) -> None:
    tree.replace(INC, "- at: 2025-09-26T21:30+09:00", "- at: 2025-09-26T21:30+09:00\n    next_update: 2025-09-26T23:00+09:00")
    on_time = run_cli("check", "--content", tree.root, "--now", "2025-09-26T22:00+09:00", cwd=tree.root.parent)
    assert "promised" not in on_time.stderr
    late = run_cli("check", "--content", tree.root, "--now", "2025-09-26T23:30+09:00", cwd=tree.root.parent)
    assert "its last update promised the next by 2025-09-26T23:00+09:00" in late.stderr, late.stderr
    assert "hint: post an update" in late.stderr
    build(tree.root, tmp_path / "out", at("2025-09-26T22:00+09:00"), use_cache=False)
    page = (tmp_path / "out" / "en" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    assert "Next update expected by" in page and 'datetime="2025-09-26T23:00:00+09:00"' in page


def test_an_open_incident_without_news_for_longer_than_the_site_interval_is_flagged(tree) -> None:
    tree.replace("site.yaml", "timezone: Asia/Seoul", "timezone: Asia/Seoul\nupdate_every_hours: 3")
    quiet = run_cli("check", "--content", tree.root, "--now", "2025-09-27T00:00+09:00", cwd=tree.root.parent)
    assert "is open and" not in quiet.stderr, quiet.stderr
    late = run_cli("check", "--content", tree.root, "--now", "2025-09-27T01:00+09:00", cwd=tree.root.parent)
    assert "its last update is 3 h 30 min old (update_every_hours: 3)" in late.stderr, late.stderr


def test_a_promise_before_its_own_update_is_an_error(tree) -> None:
    tree.replace(INC, "- at: 2025-09-26T21:30+09:00", "- at: 2025-09-26T21:30+09:00\n    next_update: 2025-09-26T21:00+09:00")
    result = run_cli("check", "--content", tree.root, cwd=tree.root.parent)
    assert result.returncode == 1
    assert "the next update is promised before this update was posted" in result.stderr
