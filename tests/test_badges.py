"""Status badges and the embeddable widget, as a partner's page would show them."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW, at
from html_text import Page

from generator.build import build
from generator.machine.badges import COLOURS, LABEL_COLOUR

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at(DEMO_NOW))
    return out


def read_badge(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def contrast(background: str) -> float:
    """WCAG contrast ratio of white text on `background`."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_every_service_has_a_badge_saying_its_status_in_words(demo_site: Path) -> None:
    services = sorted(p.stem for p in (demo_site / "services").glob("*.html"))
    assert sorted(p.stem for p in (demo_site / "badges" / "services").glob("*.svg")) == services
    card = read_badge(demo_site / "badges" / "services" / "id-card-check.svg")
    assert texts(card) == ["신분증 진위확인", "이용 불가"]
    assert card.find(f"{SVG}title").text == "신분증 진위확인: 이용 불가"
    assert card.get("role") == "img" and card.get("aria-label") == "신분증 진위확인: 이용 불가"
    ok = read_badge(demo_site / "en" / "badges" / "services" / "internet-banking.svg")
    assert texts(ok) == ["Internet banking", "Operational"]


def test_overall_badges_for_the_group_and_each_affiliate(demo_site: Path) -> None:
    assert texts(read_badge(demo_site / "badges" / "status.svg")) == ["서비스 상태", "일부 서비스 이용 불가 (6/21)"]
    assert texts(read_badge(demo_site / "en" / "badges" / "status.svg")) == ["Service status",
                                                                           "Some services unavailable (6 of 21)"]
    bank = texts(read_badge(demo_site / "en" / "bank" / "badges" / "status.svg"))
    assert bank == ["Example Bank", "Some services unavailable (4 of 12)"]
    assert texts(read_badge(demo_site / "card" / "badges" / "status.svg")) == ["예시카드", "일부 서비스 이용 불가 (1/5)"]
    assert 'class="banner banner-major_outage"' in (demo_site / "card" / "index.html").read_text(encoding="utf-8")


def test_badge_text_fits_its_box_and_stays_readable(demo_site: Path) -> None:
    for path in (demo_site / "badges" / "services").glob("*.svg"):
        svg = read_badge(path)
        rects = svg.findall(f"{SVG}rect")
        widths = [int(r.get("width")) for r in rects]
        assert int(svg.get("width")) == sum(widths)
        for rect, text in zip(rects, svg.iter(f"{SVG}text")):
            assert 0 < int(text.get("textLength")) < int(rect.get("width")), path
        assert all(contrast(r.get("fill")) >= 4.5 for r in rects), path
    assert all(contrast(colour) >= 4.5 for colour in (*COLOURS.values(), LABEL_COLOUR))


def test_longer_names_get_wider_badges(demo_site: Path) -> None:
    short = read_badge(demo_site / "en" / "badges" / "services" / "card-app.svg")
    long = read_badge(demo_site / "en" / "badges" / "services" / "remote-account-opening-sec.svg")
    assert int(long.get("width")) > int(short.get("width")) + 100


def test_markup_in_a_service_name_is_text_in_the_badge_and_the_widget(tree, tmp_path: Path) -> None:
    name = "<script>alert(1)</script>신분증"
    tree.replace("services.yaml", "name: {ko: 신분증 진위확인, en: ID check}", f"name: {{ko: '{name}', en: ID check}}")
    out = tmp_path / "public"
    build(tree.root, out, at(DEMO_NOW))
    badge_file = out / "badges" / "services" / "id-check.svg"
    assert b"<script" not in badge_file.read_bytes()
    assert texts(read_badge(badge_file))[0] == name
    widget = Page.read(out / "widget.html")
    assert "<script" not in widget.html and name in widget.text


def test_widget_shows_the_banner_without_script_and_links_back(demo_site: Path) -> None:
    for rel in ("widget.html", "en/widget.html", "bank/widget.html"):
        widget = Page.read(demo_site / rel)
        assert not widget.find_all("script") and not widget.find_all("iframe")
        assert {"name": "robots", "content": "noindex"} in widget.find_all("meta")
        base = posixpath.dirname(rel) or "."
        for ref in widget.links() + [link["href"] for link in widget.find_all("link") if link.get("rel") != "icon"]:
            assert not ref.startswith(("/", "http")), ref
            assert (demo_site / posixpath.normpath(posixpath.join(base, ref))).is_file(), ref
        assert all(a.get("target") == "_top" for a in widget.find_all("a"))
    home, widget = Page.read(demo_site / "index.html"), Page.read(demo_site / "widget.html")
    assert "일부 서비스를 이용할 수 없습니다" in widget.text and "일부 서비스를 이용할 수 없습니다" in home.text
    assert "신분증 진위확인" in widget.text

