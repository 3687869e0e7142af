"""sitemap.xml and robots.txt, read as a search engine reads them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW, at

from generator.build import build
from generator.content.check import check
from generator.machine import sitemap
from generator.machine.derived import Derived
from generator.site.theme import bundled_labels
from generator.state.derive import snapshot

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at(DEMO_NOW))
    return out


def test_widget_is_not_in_the_sitemap_but_every_page_is(demo_site: Path) -> None:
    sitemap = ET.fromstring((demo_site / "sitemap.xml").read_bytes())
    locs = [loc.text for loc in sitemap.iter(f"{NS}loc")]
    pages = {p.relative_to(demo_site).as_posix() for p in demo_site.rglob("*.html")}
    listed = {loc.removeprefix("https://status.example.com/") for loc in locs}
    assert listed == {p for p in pages if not p.endswith(("widget.html", "404.html"))}
    first = sitemap.find(f"{NS}url")
    alternates = first.findall("{http://www.w3.org/1999/xhtml}link")
    assert [(a.get("hreflang"), a.get("href")) for a in alternates] == [
        ("ko", "https://status.example.com/index.html"), ("en", "https://status.example.com/en/index.html")]
    robots = (demo_site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://status.example.com/sitemap.xml" in robots.splitlines()


def test_past_the_protocol_limit_the_sitemap_becomes_an_index_of_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    content = check(DEMO).content
    model = Derived(content, snapshot(content, at(DEMO_NOW)), bundled_labels())
    whole = ET.fromstring(sitemap.produce(model)["sitemap.xml"])
    every = [loc.text for loc in whole.iter(f"{NS}loc")]
    monkeypatch.setattr(sitemap, "MAX_URLS", 40)
    files = sitemap.produce(Derived(model.content, model.snap, model.words))
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{NS}sitemapindex"
    parts = [loc.text.removeprefix("https://status.example.com/") for loc in index.iter(f"{NS}loc")]
    assert parts == [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)] and len(parts) > 1
    split = [loc.text for part in parts for loc in ET.fromstring(files[part]).iter(f"{NS}loc")]
    assert split == every
    assert all(len(list(ET.fromstring(files[part]).iter(f"{NS}url"))) <= 40 for part in parts)
