"""Atom and RSS feeds read by a real feed parser (feedparser), as a customer's reader would."""

from __future__ import annotations

import posixpath
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from conftest import DEMO, DEMO_NOW, at
from html_text import Page

from generator.build import build

INC = "incidents/2025-09-26-id-outage.yaml"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at("2025-09-27T17:00+09:00"))
    return out


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_every_feed_parses_cleanly_and_there_is_one_per_service_and_language(demo_site: Path) -> None:
    feeds = sorted(demo_site.rglob("*.atom")) + sorted(demo_site.rglob("*.rss"))
    for path in feeds:
        parse(path)
    services = [p.stem for p in (demo_site / "services").glob("*.html")]
    for lang in ("", "en/"):
        for service in services:
            for kind in ("atom", "rss"):
                assert (demo_site / f"{lang}feeds/services/{service}.{kind}").is_file()
        for section in ("", "bank/", "card/", "securities/"):
            assert (demo_site / f"{lang}{section}feeds/incidents.atom").is_file()


def test_every_link_in_every_feed_leads_to_a_page_the_build_wrote(demo_site: Path) -> None:
    """Sections' feeds too: an affiliate's entries link to the group's one page per incident."""
    for path in sorted(demo_site.rglob("*.atom")) + sorted(demo_site.rglob("*.rss")):
        feed = parse(path)
        links = [feed.feed.link] + [entry.link for entry in feed.entries]
        for link in links:
            assert (demo_site / link.removeprefix("https://status.example.com/")).is_file(), f"{path}: {link}"
    bank = parse(demo_site / "en" / "bank" / "feeds" / "incidents.atom")
    assert bank.feed.link == "https://status.example.com/en/bank/history.html"
    assert bank.entries and all(e.link.startswith("https://status.example.com/en/incidents/") for e in bank.entries)


def test_korean_entries_arrive_intact_with_their_updates(demo_site: Path) -> None:
    feed = parse(demo_site / "feeds" / "incidents.atom")
    assert feed.feed.language == "ko"
    entry = next(e for e in feed.entries if "정부 데이터센터 화재" in e.title)
    assert entry.title == "정부 데이터센터 화재로 신분증 진위확인 등 일부 서비스 이용 제한"
    html = entry.content[0].value
    assert "지로 납부가 16시부터 정상화되었습니다." in html and "20시 15분경" in html
    assert html.index("16시부터") < html.index("20시 15분경"), "newest update first"
    assert entry.link == "https://status.example.com/incidents/2025-09-26-nirs-fire.html"
    english = parse(demo_site / "en" / "feeds" / "incidents.rss")
    assert english.entries[0].title == "Government data-center fire limits ID verification and some other services"


def test_updated_is_the_latest_published_update_and_later_ones_stay_out(demo_site: Path) -> None:
    for kind in ("atom", "rss"):
        entry = next(e for e in parse(demo_site / "feeds" / f"incidents.{kind}").entries if "nirs-fire" in e.link)
        stamp = entry.updated if kind == "atom" else entry.published
        assert feedparser_time(stamp) == when("2025-09-27T16:00:00+09:00")
        text = entry.get("content", [{"value": ""}])[0]["value"] or entry.summary
        assert "공공 마이데이터가" not in text, "the 2 October update is after now"


def feedparser_time(value: str) -> datetime:
    return datetime.fromisoformat(value) if "T" in value else parsedate_to_datetime(value)


def test_entry_ids_are_stable_tag_uris_shared_by_atom_and_rss(demo_site: Path, tmp_path: Path) -> None:
    atom = parse(demo_site / "feeds" / "incidents.atom").entries
    rss = parse(demo_site / "feeds" / "incidents.rss").entries
    assert [e.id for e in atom] == [e.id for e in rss]
    assert len({e.id for e in atom}) == len(atom)
    assert "tag:status.example.com,2025-09-26:/ko/incidents/2025-09-26-nirs-fire" in [e.id for e in atom]
    later = tmp_path / "later"
    build(DEMO, later, at("2025-10-30T00:00+09:00"))
    assert {e.id for e in atom} <= {e.id for e in parse(later / "feeds" / "incidents.atom").entries}
    english = {e.id for e in parse(demo_site / "en" / "feeds" / "incidents.atom").entries}
    assert not english & {e.id for e in atom}, "a translation is a different entry"


def test_service_feed_lists_what_the_service_page_lists(demo_site: Path) -> None:
    for service in ("id-card-check", "messenger-transfer", "card-payment", "internet-banking"):
        page = Page.read(demo_site / "services" / f"{service}.html")
        linked = {posixpath.normpath(posixpath.join("services", href)) for href in page.links()}
        shown = {p.removeprefix("incidents/").removesuffix(".html") for p in linked if p.startswith("incidents/")}
        entries = parse(demo_site / "feeds" / "services" / f"{service}.atom").entries
        assert {e.link.rsplit("/", 1)[1].removesuffix(".html") for e in entries} == shown, service


def test_pages_advertise_their_feeds(demo_site: Path) -> None:
    page = Page.read(demo_site / "en" / "services" / "id-card-check.html")
    feeds = [posixpath.normpath(posixpath.join("en/services", link["href"]))
             for link in page.find_all("link") if link.get("type") == "application/atom+xml"]
    assert feeds == ["en/feeds/incidents.atom", "en/feeds/services/id-card-check.atom"]
    assert all((demo_site / path).is_file() for path in feeds)


def test_a_long_history_is_capped(tree, tmp_path: Path) -> None:
    text = (tree.root / INC).read_text(encoding="utf-8")
    for n in range(60):
        tree.write(f"incidents/2025-08-{n:02d}.yaml", text.replace("2025-09-26T20:15", f"2025-08-{n % 28 + 1:02d}T{n % 24:02d}:00"))
    out = tmp_path / "public"
    build(tree.root, out, at("2025-10-01T00:00+09:00"))
    assert len(parse(out / "feeds" / "incidents.atom").entries) == 50
    assert len(parse(out / "feeds" / "services" / "id-check.rss").entries) == 20


def test_markup_in_titles_and_bodies_is_escaped_in_both_formats(tree, tmp_path: Path) -> None:
    title = '<script>alert("x")</script> 장애 & 지연'
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단, en: ID check unavailable}", f"title: '{title}'")
    tree.replace(INC, "정부 시스템 장애로 **이용할 수 없습니다**.", "<img src=x onerror=alert(1)> 이용 불가")
    out = tmp_path / "public"
    build(tree.root, out, at(DEMO_NOW))
    for kind in ("atom", "rss"):
        raw = (out / "feeds" / f"incidents.{kind}").read_bytes()
        assert b"<script" not in raw and b"<img" not in raw
        entry = parse(out / "feeds" / f"incidents.{kind}").entries[0]
        assert entry.title == (title if kind == "atom" else '＜script＞alert("x")＜/script＞ 장애 ＆ 지연'), \
            "Atom says its title is text; RSS can't, so its title holds nothing that reads as markup"
        body = entry.get("content", [{"value": ""}])[0]["value"] or entry.summary
        assert "onerror" not in body and "이용 불가" in body


def test_control_characters_typed_in_yaml_cannot_break_a_feed(tree, tmp_path: Path) -> None:
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단", 'title: {ko: "신분증\\x07 진위\\x1b확인 중단"')
    out = tmp_path / "public"
    build(tree.root, out, at(DEMO_NOW))
    for kind in ("atom", "rss"):
        assert parse(out / "feeds" / f"incidents.{kind}").entries[0].title == "신분증 진위확인 중단"


RSS_PAYLOADS = ["<img src=x onerror=alert(1)>", '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
                "&lt;script&gt;alert(1)&lt;/script&gt;", "<b>굵게</b> & AT&T", "&#60;svg onload=alert(1)&#62;"]


@pytest.mark.parametrize("payload", RSS_PAYLOADS)
def test_rss_titles_and_descriptions_carry_no_markup_whichever_way_a_reader_takes_them(tmp_path: Path,
                                                                                       payload: str) -> None:
    """RSS never says whether a title is text or HTML, and feedparser took a title holding
    `<img onerror>` (escaped once) for text/html: these texts must look like nothing but text."""
    from every_field import content_with, write_content

    content = write_content(tmp_path / "content", content_with(payload))
    build(content, tmp_path / "public", at(DEMO_NOW))
    feeds = sorted((tmp_path / "public").rglob("*.rss"))
    assert feeds
    for path in feeds:
        parsed = parse(path)
        details = [parsed.feed.title_detail, parsed.feed.subtitle_detail] + [e.title_detail for e in parsed.entries]
        for detail in details:  # feedparser takes a channel's description for HTML whatever it holds
            assert not set("<>&") & set(detail.value), (path, detail)
        shown = payload.replace("<", "＜").replace(">", "＞").replace("&", "＆")
        assert any(shown in e.title for e in parsed.entries), (path, [e.title for e in parsed.entries])
