"""The preview's incremental rebuild gives exactly what a full build gives, after any edit.

Every test edits a copy of the demo (three affiliate sections, so section pages are covered),
rebuilds incrementally with the paths an editor would have saved, and compares every output
file with a full `render` of the same content, byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jinja2
import pytest
from conftest import DEMO, DEMO_NOW, ROOT, at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import render
from generator.content.check import check
from generator.errors import ContentError
from generator.resident.site import IncrementalSite
from generator.state import listing

NOW = at(DEMO_NOW)
NIRS = "incidents/2025-09-26-nirs-fire.yaml"
CARD = "incidents/2025-03-14-card-payment-delay.yaml"
SERVICES = ["internet-banking", "mobile-app", "id-card-check", "messenger-transfer", "card-payment", "card-app",
            "stock-trading", "fund-subscription"]


def assert_same_as_full_build(site: IncrementalSite, content: Path) -> None:
    """Byte for byte what a full build makes of the content, with no cache: the content cache and
    compiled templates the preview warms must not be what makes the two agree."""
    expected = render(content, NOW, use_cache=False).files
    got = site.files()
    assert sorted(got) == sorted(expected)
    assert [path for path in sorted(expected) if got[path] != expected[path]] == []


def edit(content: Path, rel: str, old: str, new: str) -> Path:
    path = content / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.fixture
def site(demo: Path) -> IncrementalSite:
    built = IncrementalSite(demo, NOW)
    built.rebuild()
    built.files()
    return built


@dataclass(frozen=True)
class Notice:
    """An incident the property test writes, edits and deletes."""

    title: str
    body: str
    started_hours_ago: int
    services: tuple[str, ...]
    status: str
    resolved: bool

    def yaml(self) -> str:
        started = NOW - timedelta(hours=self.started_hours_ago)
        lines = [f"title: {{ko: {q(self.title)}, en: {q(self.title + ' (en)')}}}", "impact: major",
                 f"started: {started.isoformat()}", "affected:"]
        for service in self.services:
            lines += [f"  - service: {service}", f"    status: {self.status}", "    alternatives:",
                      f"      - {{ko: {q('영업점 이용: ' + self.title)}, en: Visit a branch}}"]
        lines += ["updates:", f"  - at: {(started + timedelta(minutes=5)).isoformat()}", "    status: identified",
                  f"    body: {{ko: {q(self.body)}, en: {q(self.body)}}}"]
        if self.resolved:
            lines += [f"  - at: {(started + timedelta(hours=2)).isoformat()}", "    status: resolved",
                      "    body: 복구되었습니다."]
        return "\n".join(lines) + "\n"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


TEXT = st.text(alphabet=st.sampled_from(list("가나다 장애복구 abc<>&\"'*_[]()#:-")), min_size=1, max_size=30) \
    .filter(lambda t: t.strip())
NOTICES = st.builds(Notice, TEXT, TEXT, st.integers(-3, 24 * 40),
                    st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True).map(tuple),
                    st.sampled_from(["degraded_performance", "partial_outage", "major_outage"]), st.booleans())
EDITS = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(["a", "b", "c"]), NOTICES),
    st.tuples(st.just("delete"), st.sampled_from(["a", "b", "c"]), st.none()),
    st.tuples(st.just("demo"), st.sampled_from([NIRS, CARD]), TEXT),
)


def apply(content: Path, step: tuple[str, str, object]) -> list[Path]:
    kind, target, value = step
    if kind == "demo":
        path = content / target
        text = path.read_text(encoding="utf-8")
        marker = "\ntitle:\n  ko: "
        start = text.index(marker) + len(marker)
        end = text.index("\n", start)
        path.write_text(text[:start] + q(str(value)) + text[end:], encoding="utf-8")
        return [path]
    path = content / "incidents" / f"2025-09-20-prop-{target}.yaml"
    if kind == "delete":
        path.unlink(missing_ok=True)
    else:
        assert isinstance(value, Notice)
        path.write_text(value.yaml(), encoding="utf-8")
    return [path]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=3))
def test_any_sequence_of_incident_edits_matches_a_full_build(steps: list[tuple[str, str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(DEMO, content)
        check(content)  # the preview then starts from the content cache, as it does after any earlier run
        site = IncrementalSite(content, NOW)
        site.rebuild()
        site.files()
        for step in steps:
            result = site.rebuild(apply(content, step))
            assert not result.full
            assert_same_as_full_build(site, content)


def test_changing_an_incident_rerenders_its_pages_and_the_lists_only(site: IncrementalSite, demo: Path) -> None:
    result = site.rebuild([edit(demo, CARD, "예비 장비로 전환해 복구했습니다.", "예비 장비로 전환해 복구했습니다. (보완)")])
    assert not result.full
    stem = "incidents/2025-03-14-card-payment-delay.html"
    assert {stem, f"en/{stem}", "card/history.html", "en/card/history.html"} <= result.outdated
    assert not any(p.endswith("2025-09-26-nirs-fire.html") for p in result.outdated)
    assert "bank/index.html" not in result.outdated and "securities/history.html" not in result.outdated
    assert len(result.outdated) < result.pages // 4
    assert_same_as_full_build(site, demo)


def test_resolving_the_open_incident_updates_every_page_that_shows_its_services(site: IncrementalSite,
                                                                                 demo: Path) -> None:
    result = site.rebuild([edit(demo, NIRS, "at: 2025-09-27T09:30+09:00\n    status: identified",
                                "at: 2025-09-27T09:30+09:00\n    status: resolved")])
    assert not result.full
    assert "index.html" in result.outdated and "en/services/id-card-check.html" in result.outdated
    assert_same_as_full_build(site, demo)


def test_adding_and_deleting_an_incident(site: IncrementalSite, demo: Path) -> None:
    notice = Notice("새 장애", "본문 **굵게**", 2, ("card-payment", "stock-trading"), "major_outage", False)
    path = demo / "incidents" / "2025-09-27-new-outage.yaml"
    path.write_text(notice.yaml(), encoding="utf-8")
    added = site.rebuild([path])
    assert not added.full
    assert {"incidents/2025-09-27-new-outage.html", "card/history.html"} <= added.outdated
    assert_same_as_full_build(site, demo)
    path.unlink()
    removed = site.rebuild([path])
    assert not removed.full
    assert "incidents/2025-09-27-new-outage.html" in removed.outdated
    assert_same_as_full_build(site, demo)


def test_edits_that_move_incidents_across_page_boundaries(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With pages of two, an incident added, moved in time and deleted shifts every later history
    and service page: the lists the preview updates must then match lists worked out afresh."""
    monkeypatch.setattr(listing, "HISTORY_PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "SERVICE_PAGE_SIZE", 2)
    site = IncrementalSite(demo, NOW)
    site.rebuild()
    site.files()
    path = demo / "incidents" / "2025-09-20-moving.yaml"
    for hours_ago in (1, 24 * 30, 24 * 200):
        notice = Notice("이동", "본문", hours_ago, ("id-card-check", "card-payment"), "partial_outage", hours_ago > 1)
        path.write_text(notice.yaml(), encoding="utf-8")
        assert not site.rebuild([path]).full
        assert_same_as_full_build(site, demo)
    path.unlink()
    assert not site.rebuild([path]).full
    assert_same_as_full_build(site, demo)


def test_changing_a_maintenance_window(site: IncrementalSite, demo: Path) -> None:
    assert not site.rebuild([edit(demo, "maintenance/2025-10-12-banking-system-upgrade.yaml",
                                  "ends: 2025-10-12T06:00+09:00", "ends: 2025-10-12T08:30+09:00")]).full
    assert_same_as_full_build(site, demo)


def test_an_update_naming_another_affiliates_service_reaches_that_sections_history(site: IncrementalSite,
                                                                                     demo: Path) -> None:
    """An update may give a status to a service its incident does not list as affected: the
    securities section, which the incident does not touch, still shows that day in its bars."""
    path = edit(demo, "incidents/2025-07-22-public-mydata-delay.yaml", "  - at: 2025-07-22T10:25+09:00\n    status: investigating\n",
                "  - at: 2025-07-22T10:25+09:00\n    status: investigating\n    services: {stock-trading: degraded_performance}\n")
    site.rebuild([path])
    assert b'bar-degraded_performance' in site.files()["securities/index.html"]
    assert_same_as_full_build(site, demo)


@pytest.mark.parametrize(("rel", "old", "new"), [
    ("services.yaml", "ko: 인터넷뱅킹\n", "ko: 인터넷 뱅킹\n"),
    ("site.yaml", "ko: 그룹 홈페이지", "ko: 그룹 누리집"),
])
def test_changing_the_catalog_or_the_site_rebuilds_everything(site: IncrementalSite, demo: Path, rel: str, old: str,
                                                               new: str) -> None:
    result = site.rebuild([edit(demo, rel, old, new)])
    assert result.full and len(result.outdated) == result.pages
    assert_same_as_full_build(site, demo)


@pytest.mark.parametrize(("rel", "old", "new"), [
    ("templates/incident.html", "<h1", "<h1 data-edited"),
    ("labels.yaml", "incident.resolved: 해결", "incident.resolved: 해결됨"),
    ("static/style.css", "body {", "body  {"),
])
def test_changing_the_theme_rebuilds_everything(demo: Path, rel: str, old: str, new: str) -> None:
    theme = demo.parent / "themes" / "default"
    shutil.copytree(ROOT / "themes" / "default", theme)
    site = IncrementalSite(demo, NOW)
    site.rebuild()
    site.files()
    result = site.rebuild([edit(theme, rel, old, new)])
    assert result.full
    assert_same_as_full_build(site, demo)


def test_a_save_without_changes_rerenders_nothing(site: IncrementalSite, demo: Path) -> None:
    path = demo / CARD
    path.write_bytes(path.read_bytes())
    before = site.files()
    result = site.rebuild([path])
    assert not result.full and result.outdated == frozenset()
    assert site.files() == before


def test_a_change_the_watcher_missed_is_found_by_its_stamp(site: IncrementalSite, demo: Path) -> None:
    path = edit(demo, CARD, "카드 결제 승인 지연", "카드 결제 승인 지연됨")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    result = site.rebuild([])
    assert not result.full and "incidents/2025-03-14-card-payment-delay.html" in result.outdated
    assert_same_as_full_build(site, demo)


def test_bad_content_keeps_the_last_good_build_until_it_is_fixed(site: IncrementalSite, demo: Path) -> None:
    good = site.files()
    broken = edit(demo, CARD, "impact: minor", "impact: minr")
    with pytest.raises(ContentError) as caught:
        site.rebuild([broken])
    problem = caught.value.problems[0]
    assert (problem.location.file, problem.location.line) == ("content/incidents/2025-03-14-card-payment-delay.yaml", 10)
    assert "did you mean 'minor'?" in problem.hint
    assert site.files() == good
    edit(demo, CARD, "impact: minr", "impact: critical")
    assert not site.rebuild([broken]).full
    assert_same_as_full_build(site, demo)


def test_a_broken_yaml_file_is_reported_with_its_line(site: IncrementalSite, demo: Path) -> None:
    broken = edit(demo, NIRS, "\nupdates:\n", "\nupdates:\n  - at: [\n")
    with pytest.raises(ContentError) as caught:
        site.rebuild([broken])
    assert caught.value.problems[0].location.file == f"content/{NIRS}"
    assert caught.value.problems[0].location.line > 1


def test_a_template_that_does_not_compile_fails_the_rebuild_not_a_request(demo: Path) -> None:
    theme = demo.parent / "themes" / "default"
    shutil.copytree(ROOT / "themes" / "default", theme)
    site = IncrementalSite(demo, NOW)
    site.rebuild()
    good = site.files()
    with pytest.raises(jinja2.TemplateSyntaxError):
        site.rebuild([edit(theme, "templates/history.html", "{% block main %}", "{% block main %}{% if %}")])
    assert site.files() == good


@pytest.fixture
def warm(demo: Path) -> IncrementalSite:
    """A preview started after an earlier run (check, build or preview) filled the content cache, so
    every notice comes from the cache's entries rather than being parsed and checked."""
    check(demo)
    built = IncrementalSite(demo, NOW)
    built.rebuild()
    built.files()
    return built


def test_a_preview_started_from_the_content_cache_follows_edits_as_a_cold_one(warm: IncrementalSite,
                                                                              demo: Path) -> None:
    cold = IncrementalSite(demo, NOW).rebuild()
    assert warm.rebuild().warnings == cold.warnings
    assert not warm.rebuild([edit(demo, CARD, "카드 결제 승인 지연", "카드 결제 승인 지연됨")]).full
    assert_same_as_full_build(warm, demo)
    path = demo / "incidents" / "2025-09-27-new-outage.yaml"
    path.write_text(Notice("새 장애", "본문", 2, ("card-payment",), "major_outage", False).yaml(), encoding="utf-8")
    assert not warm.rebuild([path]).full
    assert_same_as_full_build(warm, demo)
    path.unlink()
    assert not warm.rebuild([path]).full
    assert_same_as_full_build(warm, demo)


def test_a_namesake_of_a_cached_notice_is_refused_as_check_refuses_it(warm: IncrementalSite, demo: Path) -> None:
    twin = demo / "incidents" / "2025-03-14-card-payment-delay.yml"
    twin.write_bytes((demo / CARD).read_bytes())
    with pytest.raises(ContentError) as caught:
        warm.rebuild([twin])
    with pytest.raises(ContentError) as expected:
        check(demo, use_cache=False)
    assert caught.value.problems == expected.value.problems


def test_an_error_beside_cached_notices_is_reported_as_check_reports_it(warm: IncrementalSite, demo: Path) -> None:
    good = warm.files()
    broken = edit(demo, CARD, "impact: minor", "impact: minr")
    with pytest.raises(ContentError) as caught:
        warm.rebuild([broken])
    with pytest.raises(ContentError) as expected:
        check(demo, use_cache=False)
    assert caught.value.problems == expected.value.problems
    assert warm.files() == good
