"""The built pages, read as a customer reads them."""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import DEMO, DEMO_NOW, at
from html_text import Page

from generator.build import build

INC = "incidents/2025-09-26-id-outage.yaml"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at(DEMO_NOW))
    return out


def test_home_tells_what_is_down_why_and_what_to_use_instead(demo_site: Path) -> None:
    home = Page.read(demo_site / "index.html")
    assert 'lang="ko"' in home.html
    assert "일부 서비스를 이용할 수 없습니다" in home.text
    down = home.text.split("지금 이용할 수 없는 서비스", 1)[1].split("서비스별 상태", 1)[0]
    assert "신분증 진위확인" in down
    assert "외부 기관 시스템 장애" in down
    assert "대신 이렇게 이용하세요" in down and "모바일 운전면허증" in down
    assert "상태 변경 시각 2025년 9월 27일 (토) 09:30 KST" in home.text, "the last change, not the build time"


def test_english_home_is_a_translation_with_its_own_lang(demo_site: Path) -> None:
    home = Page.read(demo_site / "en" / "index.html")
    assert 'lang="en"' in home.html
    assert "Some services are unavailable" in home.text
    assert "Status last changed Sat 27 Sep 2025, 09:30 KST" in home.text


def test_incident_page_shows_the_timeline_in_site_time(demo_site: Path) -> None:
    page = Page.read(demo_site / "incidents" / "2025-09-26-nirs-fire.html")
    assert len(page.find_all("h1")) == 1
    times = [t["datetime"] for t in page.find_all("time")]
    assert "2025-09-26T20:15:00+09:00" in times
    assert "2025년 9월 26일 (금)" in page.text
    assert "조사 중" in page.text or "원인 파악" in page.text


def test_every_internal_link_resolves_to_a_built_file(demo_site: Path) -> None:
    for html in demo_site.rglob("*.html"):
        if html.name == "404.html":
            continue
        page = Page.read(html)
        base = html.parent.relative_to(demo_site).as_posix()
        refs = page.links() + [link["href"] for link in page.find_all("link") if link.get("rel") == "stylesheet"]
        for ref in refs:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith("#"):
                continue
            assert not ref.startswith("/"), f"{html}: absolute link {ref} breaks under a sub-path"
            target = posixpath.normpath(posixpath.join(base, parts.path))
            assert (demo_site / target).is_file(), f"{html}: broken link {ref}"


def test_pages_load_nothing_from_other_hosts_and_carry_no_script(demo_site: Path) -> None:
    for html in demo_site.rglob("*.html"):
        page = Page.read(html)
        assert not page.find_all("script"), html
        for tag, attr in (("link", "href"), ("img", "src"), ("iframe", "src")):
            for element in page.find_all(tag):
                if tag == "link" and element.get("rel") == "alternate":
                    continue
                assert not urlsplit(element.get(attr, "")).netloc, f"{html}: third-party {element}"


def test_language_switch_points_to_the_same_page(demo_site: Path) -> None:
    page = Page.read(demo_site / "incidents" / "2025-09-26-nirs-fire.html")
    assert "../en/incidents/2025-09-26-nirs-fire.html" in page.links()
    page = Page.read(demo_site / "en" / "incidents" / "2025-09-26-nirs-fire.html")
    assert "../../incidents/2025-09-26-nirs-fire.html" in page.links()


def test_restored_services_show_when_they_came_back(tree, tmp_path: Path) -> None:
    build(tree.root, tmp_path / "out", at("2025-09-28T13:00+09:00"))
    home = Page.read(tmp_path / "out" / "index.html")
    restored = home.text.split("복구된 서비스", 1)[1]
    assert "신분증 진위확인" in restored and "2025년 9월 28일 (일) 12:00 KST" in restored
    down = home.html.split('id="down-h"', 1)[1].split("</section>", 1)[0]
    assert "services/remote-account.html" in down and "services/id-check.html" not in down


def test_service_page_lists_incidents_that_hit_it_through_an_upstream(tree, tmp_path: Path) -> None:
    build(tree.root, tmp_path / "out", at("2025-09-27T10:00+09:00"))
    page = Page.read(tmp_path / "out" / "services" / "remote-account.html")
    assert "신분증 진위확인 중단" in page.text
    assert "정부 신분증 진위확인" in page.text


def test_markdown_is_rendered_and_sanitised(tree, tmp_path: Path) -> None:
    tree.replace(INC, "정부 시스템 장애로 **이용할 수 없습니다**.",
                 "'**굵게** <script>alert(1)</script> <img src=x onerror=alert(2)> [링크](javascript:alert(3))'")
    build(tree.root, tmp_path / "out", at("2025-09-27T10:00+09:00"))
    html = (tmp_path / "out" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    assert "<strong>굵게</strong>" in html
    for bad in ("<script", "onerror", "javascript:"):
        assert bad not in html


def test_text_fields_are_escaped_not_interpreted(tree, tmp_path: Path) -> None:
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단,", "title: {ko: '<b onmouseover=alert(1)>제목</b> {{ 7*7 }}',")
    build(tree.root, tmp_path / "out", at("2025-09-27T10:00+09:00"))
    html = (tmp_path / "out" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    assert "&lt;b onmouseover=alert(1)&gt;제목&lt;/b&gt; {{ 7*7 }}" in html
    assert "<b onmouseover" not in html and "49" not in html


def test_not_found_page_uses_the_base_url_path(tree, tmp_path: Path) -> None:
    tree.replace("site.yaml", "https://status.example.test/", "https://example.test/status/")
    build(tree.root, tmp_path / "out", at("2025-09-27T10:00+09:00"))
    page = Page.read(tmp_path / "out" / "404.html")
    assert "/status/index.html" in page.links()
    assert any(href.startswith("/status/assets/") for href in (l["href"] for l in page.find_all("link") if l.get("rel") == "stylesheet"))


def test_each_site_shows_times_in_its_own_zone_in_one_process(tree, tmp_path: Path) -> None:
    """A process keeps each instant's <time> element once made (the preview and tests build
    many sites in one): a site in another zone must show its own."""
    build(tree.root, tmp_path / "seoul", at("2025-09-27T10:00+09:00"))
    tree.replace("site.yaml", "timezone: Asia/Seoul", "timezone: UTC")
    build(tree.root, tmp_path / "utc", at("2025-09-27T10:00+09:00"))
    seoul = Page.read(tmp_path / "seoul" / "incidents" / "2025-09-26-id-outage.html")
    utc = Page.read(tmp_path / "utc" / "incidents" / "2025-09-26-id-outage.html")
    assert "2025-09-26T21:30:00+09:00" in [t["datetime"] for t in seoul.find_all("time")]
    assert "2025년 9월 26일 (금) 21:30 KST" in seoul.text
    assert "2025-09-26T12:30:00+00:00" in [t["datetime"] for t in utc.find_all("time")]
    assert "2025년 9월 26일 (금) 12:30 UTC" in utc.text and "KST" not in utc.text


def test_a_listed_incident_shows_its_end_once_it_is_resolved(tree) -> None:
    """The same model rendered at two times, as the preview does when a notice's time comes: the
    service page's list of incidents says 'ongoing' first, then when it ended."""
    from generator.build import render_site
    from generator.content.check import check
    from generator.site.theme import chosen_theme, load_theme
    from generator.state.derive import snapshot

    checked = check(tree.root)
    assert checked.files.site is not None
    content = checked.content
    theme = load_theme(chosen_theme(tree.root, checked.files.site), content.site.languages)
    listed = []
    for now in ("2025-09-27T10:00+09:00", "2025-09-30T10:00+09:00"):
        files = render_site(content, snapshot(content, at(now)), theme)
        page = files["services/id-check.html"].decode("utf-8")
        listed.append(page.split("2025-09-26T20:15:00+09:00", 1)[1].split("</li>", 1)[0])
    assert "진행 중" in listed[0] and "2025-09-29T09:00:00+09:00" not in listed[0]
    assert "2025-09-29T09:00:00+09:00" in listed[1] and "진행 중" not in listed[1]
