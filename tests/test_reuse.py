"""`build` after an edit renders only the pages and machine outputs whose inputs changed, and writes
exactly what a cold build would: after edits, deletes, renames, template, label, site and catalog
changes and a new `--now`, the output equals a build from scratch byte for byte."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW, ROOT, at

from generator import build as building
from generator.build import build
from generator.cli import main
from generator.machine import derived as machine
from generator.machine import feeds, sitemap
from generator.site import render as rendering
from generator.site import theme as theme_module
from generator.state import listing

NIRS = "incidents/2025-09-26-nirs-fire.yaml"
CARD = "incidents/2025-03-14-card-payment-delay.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The demo content with a copy of the default theme beside it, so tests may edit templates."""
    shutil.copytree(DEMO, tmp_path / "content")
    shutil.copytree(ROOT / "themes" / "default", tmp_path / "themes" / "default")
    return tmp_path


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every page the build renders (the demo is small, so it renders in-process)."""
    seen: list[str] = []
    original = rendering.render_page

    def spy(page: rendering.Page, *args: object) -> str:
        seen.append(page.path)
        return original(page, *args)

    monkeypatch.setattr(rendering, "render_page", spy)
    return seen


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_as_cold_build(project: Path, now: str = DEMO_NOW) -> None:
    build(project / "content", project / "cold", at(now), use_cache=False)
    assert files(project / "out") == files(project / "cold")


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuild(project: Path, rendered: list[str], now: str = DEMO_NOW) -> list[str]:
    rendered.clear()
    build(project / "content", project / "out", at(now))
    return list(rendered)


def test_an_edit_renders_that_incident_and_the_lists_only(project: Path, rendered: list[str]) -> None:
    everything = rebuild(project, rendered)
    again = rebuild(project, rendered)
    assert again == []  # nothing changed: "up to date"
    edit(project, CARD, "예비 장비로 전환해 복구했습니다.", "예비 장비로 전환해 복구했습니다. (보완)")
    after = rebuild(project, rendered)
    assert "incidents/2025-03-14-card-payment-delay.html" in after
    assert "en/incidents/2025-03-14-card-payment-delay.html" in after
    assert "incidents/2025-09-26-nirs-fire.html" not in after and "maintenance/" not in " ".join(after)
    assert len(after) < len(everything) // 2
    assert_same_as_cold_build(project)


Change = Callable[[Path], None]
CHANGES: dict[str, Change] = {
    "an update's text": lambda p: edit(p, NIRS, "status: identified", "status: monitoring"),
    "an older incident's update": lambda p: edit(p, CARD, "점심시간에 불편을", "점심시간에 큰 불편을"),
    "an update's time": lambda p: edit(p, CARD, "at: 2025-03-14T12:20+09:00", "at: 2025-03-14T12:21+09:00"),
    "a deleted incident": lambda p: (p / "content" / CARD).unlink(),
    "a renamed incident": lambda p: (p / "content" / CARD).rename(p / "content" / "incidents" / "2025-03-14-renamed.yaml"),
    "a maintenance window": lambda p: edit(p, "maintenance/2025-10-12-banking-system-upgrade.yaml",
                                           "ends: 2025-10-12T06:00+09:00", "ends: 2025-10-12T08:30+09:00"),
    "a template": lambda p: edit(p, "../themes/default/templates/incident.html", "<article class=\"incident\">",
                                 "<article class=\"incident notice\">"),
    "the labels": lambda p: edit(p, "../themes/default/labels.yaml", "history: 장애 내역", "history: 장애 기록"),
    "site.yaml": lambda p: edit(p, "site.yaml", "ko: 그룹 홈페이지", "ko: 그룹 누리집"),
    "services.yaml": lambda p: edit(p, "services.yaml", "ko: 인터넷뱅킹\n", "ko: 인터넷 뱅킹\n"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_any_change_the_output_equals_a_cold_build(project: Path, rendered: list[str], change: str) -> None:
    rebuild(project, rendered)
    CHANGES[change](project)
    after = rebuild(project, rendered)
    assert after, "the change was not noticed"
    assert_same_as_cold_build(project)


MESSENGER = "incidents/2022-10-15-messenger-platform-fire.yaml"


def test_a_theme_that_shows_more_than_the_default_is_never_served_stale(project: Path, rendered: list[str]) -> None:
    """No rule says which notices a page shows: what each page read is recorded. A bank's theme
    shows the messenger-platform fire's first 'will not be recovered' note on every service page
    (no default page shows an incident's notes on a page of a service it did not hit); editing
    the note must reach every service page, while pages that never read it are kept."""
    edit(project, "../themes/default/templates/service.html", "<h1>{{ t(service.name)|lang }}</h1>",
         "<h1>{{ t(service.name)|lang }}</h1>\n<p class=\"bank-note\">"
         "{{ t(snap.incident('2022-10-15-messenger-platform-fire').incident.not_recovered[0]) }}</p>")
    rebuild(project, rendered)
    card_page = project / "out" / "services" / "card-payment.html"
    assert "재발송되지 않습니다" in card_page.read_text(encoding="utf-8")
    edit(project, MESSENGER, "재발송되지 않습니다.", "다시 보내지 않습니다.")
    after = rebuild(project, rendered)
    assert "services/card-payment.html" in after and "en/services/card-payment.html" in after
    assert "다시 보내지 않습니다" in card_page.read_text(encoding="utf-8")
    assert "incidents/2025-03-14-card-payment-delay.html" not in after, "pages that never read the note are kept"
    assert_same_as_cold_build(project)


def test_a_later_now_with_nothing_published_in_between_renders_nothing(project: Path, rendered: list[str]) -> None:
    """An operator's build (or a scheduled deploy) runs at the current time. Pages state when
    the status last changed, not when they were built, so a build minutes later with nothing
    published in between renders no page and writes the very same files."""
    rebuild(project, rendered)
    before = {path: (data, (project / "out" / path).stat().st_ino) for path, data in files(project / "out").items()}
    minute_on = "2025-09-27T10:07+09:00"
    assert rebuild(project, rendered, minute_on) == []
    after = {path: (data, (project / "out" / path).stat().st_ino) for path, data in files(project / "out").items()}
    assert after == before, "every file is the last build's, byte for byte and not even rewritten"
    assert_same_as_cold_build(project, minute_on)


def test_a_self_change_renders_the_pages_that_state_the_time(project: Path, rendered: list[str]) -> None:
    """The NIRS incident's next update is due at 16:00: a build just after it renders the pages
    that show the status (homes, services, the incident), not a resolved incident's or a window's."""
    rebuild(project, rendered)
    after_update = "2025-09-27T16:01+09:00"
    again = rebuild(project, rendered, after_update)
    assert {"index.html", "en/index.html", "bank/index.html", "en/services/id-card-check.html",
            "incidents/2025-09-26-nirs-fire.html", "en/incidents/2025-09-26-nirs-fire.html"} <= set(again)
    assert not [path for path in again if "maintenance/" in path], again
    assert "incidents/2025-03-14-card-payment-delay.html" not in again
    assert not {"services/card-payment.html", "en/services/chat-support.html"} & set(again), \
        "a service the update does not touch states its own last change, so its page is kept"
    assert_same_as_cold_build(project, after_update)


def test_a_new_now_leaves_a_services_further_pages_as_they_were(project: Path, rendered: list[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a service's first page states the time; its further pages, older incidents only, are
    kept when it moves (at 50,000 incidents they were 4,700 of the 5,400 files rewritten)."""
    monkeypatch.setattr(listing, "SERVICE_PAGE_SIZE", 1)
    everything = rebuild(project, rendered)
    further = [path for path in everything if path.startswith("services/") and path.count("/") == 2]
    assert len(further) >= 2, everything
    later = "2025-10-12T06:01+09:00"  # the banking upgrade window has closed: every status page's time moves
    again = rebuild(project, rendered, later)
    assert {f"services/{path.split('/')[1]}.html" for path in further} <= set(again)
    assert not set(further) & set(again)
    assert_same_as_cold_build(project, later)


def test_an_update_published_between_two_builds_renders_its_pages_again(project: Path, rendered: list[str]) -> None:
    """The NIRS incident has updates after DEMO_NOW (16:00, then the 29th): a build after the
    first is published renders the lists that show the incident again, though no file changed."""
    rebuild(project, rendered)
    after_update = "2025-09-27T16:01+09:00"
    again = rebuild(project, rendered, after_update)
    assert {"history.html", "en/history.html", "incidents/2025-09-26-nirs-fire.html"} <= set(again)
    assert_same_as_cold_build(project, after_update)


def test_only_an_open_incidents_page_states_the_time_it_is_as_of(project: Path) -> None:
    build(project / "content", project / "out", at(DEMO_NOW))
    page = (project / "out" / "incidents" / "2025-09-26-nirs-fire.html").read_text(encoding="utf-8")
    assert 'class="as-of"' in page and 'datetime="2025-09-27T09:30:00+09:00"' in page, "its last update's time"
    for resolved in ("incidents/2025-03-14-card-payment-delay.html", "history.html"):
        assert 'class="as-of"' not in (project / "out" / resolved).read_text(encoding="utf-8"), resolved
    assert 'class="as-of"' in (project / "out" / "services" / "id-card-check.html").read_text(encoding="utf-8")
    card = (project / "out" / "services" / "card-payment.html").read_text(encoding="utf-8")
    assert 'class="as-of"' in card and 'datetime="2025-03-14T12:45:00+09:00"' in card, "its own incident's last update"


def test_a_window_inside_an_outage_reaches_the_pages_that_show_its_minutes(project: Path, rendered: list[str]) -> None:
    """Outage minutes leave maintenance out: a window moved into the fire's first night changes
    the fire's incident page (its minutes by service) and the service's history, though no
    incident changed; a resolved incident's page, which no window touches, is kept."""
    rebuild(project, rendered)
    window = "maintenance/2025-10-12-banking-system-upgrade.yaml"
    edit(project, window, "starts: 2025-10-12T00:00+09:00", "starts: 2025-09-26T22:00+09:00")
    edit(project, window, "ends: 2025-10-12T06:00+09:00", "ends: 2025-09-26T23:00+09:00")
    edit(project, window, "  - internet-banking\n", "  - id-card-check\n")
    after = rebuild(project, rendered)
    assert {"incidents/2025-09-26-nirs-fire.html", "services/id-card-check.html"} <= set(after)
    assert "incidents/2025-03-14-card-payment-delay.html" not in after
    page = (project / "out" / "incidents" / "2025-09-26-nirs-fire.html").read_text(encoding="utf-8")
    assert "<td>735분</td>" in page  # 795 minutes (20:15 to 09:30, the last update), less the window's 60
    assert_same_as_cold_build(project)


def test_a_page_changed_by_hand_in_the_output_is_rendered_again(project: Path, rendered: list[str]) -> None:
    rebuild(project, rendered)
    page = project / "out" / "incidents" / "2025-09-26-nirs-fire.html"
    page.write_text("tampered", encoding="utf-8")
    edit(project, CARD, "예비 장비로 전환해 복구했습니다.", "예비 장비로 전환해 복구했습니다. (보완)")
    assert "incidents/2025-09-26-nirs-fire.html" in rebuild(project, rendered)
    assert_same_as_cold_build(project)


def test_a_kept_page_is_the_last_builds_file_linked_not_rewritten(project: Path, rendered: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild(project, rendered)
    page = project / "out" / "incidents" / "2025-09-26-nirs-fire.html"
    before = page.stat()
    edit(project, CARD, "예비 장비로 전환해 복구했습니다.", "예비 장비로 전환해 복구했습니다. (보완)")
    read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read {self}") if self.name == page.name else read(self))
    assert "incidents/2025-09-26-nirs-fire.html" not in rebuild(project, rendered)
    after = page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    monkeypatch.undo()
    assert_same_as_cold_build(project)


def test_no_cache_renders_every_page_and_writes_the_same_site(project: Path, rendered: list[str]) -> None:
    everything = rebuild(project, rendered)
    edit(project, CARD, "예비 장비로 전환해 복구했습니다.", "예비 장비로 전환해 복구했습니다. (보완)")
    rendered.clear()
    assert main(["build", "--content", str(project / "content"), "-o", str(project / "out"), "--now", DEMO_NOW,
                 "--no-cache"]) == 0
    assert sorted(rendered) == sorted(everything)
    assert_same_as_cold_build(project)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Which services' feeds and how many sitemaps the build makes (rather than keeps)."""
    seen: dict[str, list[str]] = {"service feeds": [], "sitemaps": []}
    service_feeds, make_sitemap = feeds._service_feeds, sitemap.sitemap

    def spy_feeds(memo: machine.Memo, words: object, site: object, service: object, *rest: object) -> dict[str, bytes]:
        seen["service feeds"].append(service.id)  # type: ignore[attr-defined]
        return service_feeds(memo, words, site, service, *rest)  # type: ignore[arg-type]

    def spy_sitemap(*args: object) -> dict[str, bytes]:
        seen["sitemaps"].append("sitemap.xml")
        return make_sitemap(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds, "_service_feeds", spy_feeds)
    monkeypatch.setattr(sitemap, "sitemap", spy_sitemap)
    return seen


def test_an_edit_makes_again_only_the_feeds_that_list_that_incident(project: Path, rendered: list[str],
                                                                    made: dict[str, list[str]]) -> None:
    rebuild(project, rendered)
    assert "card-payment" in made["service feeds"] and made["sitemaps"]
    kept = project / "out" / "feeds" / "services" / "internet-banking.atom"
    before = kept.stat()
    made["service feeds"].clear(), made["sitemaps"].clear()
    edit(project, CARD, "점심시간에 불편을 드려 죄송합니다.", "점심시간에 불편을 드려 죄송합니다. (보완)")
    rebuild(project, rendered)
    assert made == {"service feeds": ["card-payment"], "sitemaps": []}
    assert "(보완)" in (project / "out" / "feeds" / "services" / "card-payment.atom").read_text(encoding="utf-8")
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert_same_as_cold_build(project)


def test_a_deleted_incident_takes_its_page_out_of_the_sitemap(project: Path, rendered: list[str],
                                                             made: dict[str, list[str]]) -> None:
    rebuild(project, rendered)
    made["sitemaps"].clear()
    (project / "content" / CARD).unlink()
    rebuild(project, rendered)
    assert made["sitemaps"]
    assert "2025-03-14-card-payment-delay" not in (project / "out" / "sitemap.xml").read_text(encoding="utf-8")
    assert_same_as_cold_build(project)


def test_machine_outputs_follow_noticeboards_own_labels_whatever_the_theme(
        project: Path, rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds and the API use the bundled theme's words even when the pages use another theme."""
    bundled = project / "bundled"
    shutil.copytree(ROOT / "themes", bundled)
    monkeypatch.setattr(building, "bundled_themes", lambda: bundled)
    monkeypatch.setattr(theme_module, "bundled_themes", lambda: bundled)
    theme_module.bundled_labels.cache_clear()
    try:
        rebuild(project, rendered)
        edit(project, "../bundled/default/labels.yaml", "recent_incidents: Recent incidents",
             "recent_incidents: Latest incidents")
        theme_module.bundled_labels.cache_clear()
        rebuild(project, rendered)
        assert "Latest incidents" in (project / "out" / "en" / "feeds" / "incidents.atom").read_text(encoding="utf-8")
        assert_same_as_cold_build(project)
    finally:
        theme_module.bundled_labels.cache_clear()


def test_each_of_a_run_of_builds_equals_a_cold_build(project: Path, rendered: list[str]) -> None:
    """From the third build on, a build writes over the site two builds back (set aside by the
    build before), keeping what is still the live site's: each must still equal a cold build."""
    rebuild(project, rendered)
    later = "2025-09-28T13:00+09:00"
    run: list[tuple[Change, str]] = [
        (CHANGES["an update's text"], DEMO_NOW), (CHANGES["an older incident's update"], DEMO_NOW),
        (CHANGES["a renamed incident"], DEMO_NOW), (CHANGES["services.yaml"], DEMO_NOW),
        (CHANGES["a maintenance window"], DEMO_NOW), (lambda p: None, later),
        (lambda p: (p / "content" / NIRS).unlink(), later)]
    for number, (change, now) in enumerate(run):
        change(project)
        assert rebuild(project, rendered, now), f"change {number} was not noticed"
        assert_same_as_cold_build(project, now)


CARD_OUTAGE = """\
title:
  ko: 카드 결제 승인 중단
  en: Card payment approvals down
impact: major
started: 2025-09-27T08:00+09:00
affected:
  - service: card-payment
    status: major_outage
updates:
  - at: 2025-09-27T08:10+09:00
    status: investigating
    body:
      ko: 원인을 확인하고 있습니다.
      en: We are looking into it.
"""


def test_an_update_about_one_service_leaves_anothers_history_page_and_badge_as_they_were(
        project: Path, rendered: list[str]) -> None:
    """Two open incidents: card payments down since 08:00, and the fire. An update to the fire
    moves the site's last change, but card payments' own last change is still 08:10, so its
    figures (which count its outage as far as that) do not move: its page and badge, and its
    incident's page with its minutes by service, are kept."""
    (project / "content" / "incidents" / "2025-09-27-card-outage.yaml").write_text(CARD_OUTAGE, encoding="utf-8")
    rebuild(project, rendered)
    before = files(project / "out")
    edit(project, NIRS, "  - at: 2025-09-27T16:00+09:00\n",
         "  - at: 2025-09-27T09:55+09:00\n    status: identified\n    body:\n      ko: 계속 복구 중입니다.\n"
         "      en: Recovery continues.\n\n  - at: 2025-09-27T16:00+09:00\n")
    after = rebuild(project, rendered)
    assert "incidents/2025-09-26-nirs-fire.html" in after and "services/id-card-check.html" in after
    kept = ["services/card-payment.html", "en/services/card-payment.html", "badges/availability/card-payment.svg",
            "incidents/2025-09-27-card-outage.html"]
    assert not set(kept) & set(after)
    now = files(project / "out")
    assert [path for path in kept if now[path] != before[path]] == []
    assert now["api/v2/summary.json"] != before["api/v2/summary.json"]
    assert_same_as_cold_build(project)
