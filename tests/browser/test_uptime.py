"""The availability bars in Chromium: a screen reader hears each figure once and never the 90
bars, a phone draws every day that held something, the colours stand out from the page in light
and dark, and the history prints. (axe, 360 px, no-JavaScript and valid HTML run over the same
pages in test_pages.py and test_mobile.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .demo_site import demo_public, demo_url, open_tab  # noqa: F401 (fixtures)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser

    from .harness import RecordingPage

CARD_ROW = "#catalog-h ~ ul.catalog li:has(a[href$='services/id-card-check.html'])"

# WCAG contrast of each drawn bar (fill, or the dashed line's stroke) against the page.
BAR_CONTRASTS = """() => {
  const lum = c => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const page = lum(getComputedStyle(document.body).backgroundColor);
  const found = {};
  for (const el of document.querySelectorAll('svg.bars rect, svg.bars path, svg.swatch rect')) {
    const style = getComputedStyle(el), colour = el.tagName === 'path' ? style.stroke : style.fill;
    const [hi, lo] = [lum(colour), page].sort((a, b) => b - a);
    found[el.getAttribute('class')] = [colour, (hi + 0.05) / (lo + 0.05)];
  }
  return found;
}"""


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[RecordingPage]:
    page = open_tab(browser, viewport={"width": 360, "height": 640})
    yield page
    page.context.close()


@pytest.mark.parametrize(("path", "spoken"), [("index.html", "최근 90일 가용률 99.38%"),
                                              ("en/index.html", "Availability, last 90 days: 99.38%")])
def test_a_screen_reader_hears_the_figure_once_and_not_the_bars(page: RecordingPage, demo_url: str, path: str,
                                                                spoken: str) -> None:
    page.goto(demo_url + path)
    row = page.locator(CARD_ROW)
    tree = row.aria_snapshot()
    assert spoken in tree and tree.count("99.38") == 1, tree
    assert "img" not in tree, tree
    assert row.locator("svg.bars rect").count() == 2  # the fire's two days, drawn for the eye
    # Chromium's whole accessibility tree: the bars' tooltips ('…: 이용 불가 3시간 45분') are not in it.
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    named = [n["name"]["value"] for n in nodes if not n.get("ignored") and n.get("name", {}).get("value")]
    assert not [name for name in named if "45" in name and ("분" in name or "min" in name)], named


def test_a_service_page_reads_its_days_as_a_table(page: RecordingPage, demo_url: str) -> None:
    page.goto(demo_url + "services/id-card-check.html")
    table = page.get_by_role("table", name="중단·점검이 있었던 날 (2일)")
    rows = table.get_by_role("row")
    assert rows.count() == 3
    assert rows.nth(1).get_by_role("rowheader").inner_text() == "2025년 9월 27일 (토)"
    assert "이용 불가 9시간 30분" in rows.nth(1).inner_text()
    assert rows.nth(2).get_by_role("link").inner_text().startswith("정부 데이터센터 화재")
    figures = page.locator(".uptime-figures")
    assert figures.inner_text() == "최근 90일 가용률 99.38% · 최근 30일 가용률 98.12%"
    assert "최근 90일 가용률 99.38%" in figures.aria_snapshot()


def test_a_phone_draws_each_day_that_held_something(phone: RecordingPage, demo_url: str) -> None:
    phone.goto(demo_url + "index.html")
    strip = phone.locator(f"{CARD_ROW} svg.bars").bounding_box()
    assert strip is not None and 0 <= strip["x"] and strip["x"] + strip["width"] <= 360
    days = [phone.locator(f"{CARD_ROW} svg.bars rect").nth(n).bounding_box() for n in range(2)]
    for box in days:
        assert box is not None and box["width"] >= 1.5 and box["height"] >= 12, box
    assert days[1]["x"] + days[1]["width"] <= strip["x"] + strip["width"] + 0.5  # today, at the right end
    assert strip["x"] + strip["width"] - (days[1]["x"] + days[1]["width"]) < strip["width"] / 90


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_kind_of_day_stands_out_from_the_page(browser: Browser, demo_url: str, scheme: str) -> None:
    """Non-text contrast (WCAG 1.4.11) of every bar colour, in the legend and the bars, at 3:1."""
    page = open_tab(browser, color_scheme=scheme)
    try:
        page.goto(demo_url + "index.html")
        found = page.evaluate(BAR_CONTRASTS)
    finally:
        page.context.close()
    kinds = {"bar-operational", "bar-degraded_performance", "bar-partial_outage", "bar-major_outage",
             "bar-under_maintenance"}
    assert set(found) == kinds, found
    assert {name: ratio for name, (_, ratio) in found.items() if ratio < 3} == {}, found
    assert len({colour for colour, _ in found.values()}) == len(kinds), "two kinds share a colour"


def test_the_history_prints(page: RecordingPage, demo_url: str) -> None:
    page.goto(demo_url + "services/giro-payment.html")
    page.emulate_media(media="print")
    try:
        assert page.locator("svg.bars-tall").is_visible()
        assert page.locator("svg.bars-tall rect").first.is_visible()
        assert page.locator("table.uptime-days").is_visible()
        fill = page.locator("svg.bars-tall rect").first.evaluate("el => getComputedStyle(el).fill")
        assert fill not in ("none", "rgb(0, 0, 0)", "rgb(255, 255, 255)"), fill
    finally:
        page.emulate_media(media="screen")
