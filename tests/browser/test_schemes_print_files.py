"""The same notice in a dark room, on paper at a branch counter, and opened straight from disk
(a copy handed around on a USB stick when the web host itself is down)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .demo_site import INCIDENT, demo_public, demo_url, open_tab  # noqa: F401 (fixtures)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser, Page

    from .harness import RecordingPage

# Relative luminance of a computed rgb() colour, per WCAG 2.x.
LUMINANCE = """prop => {
  const [r, g, b] = getComputedStyle(document.body)[prop].match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""

# Every printed element whose text is dark ink and whose background (if any) is light paper.
INK_ON_PAPER = """() => {
  const lum = c => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const wrong = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el), own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && lum(style.color) > 0.2) wrong.push(`light text: ${el.tagName}.${el.className} ${style.color}`);
    const bg = style.backgroundColor, transparent = bg === 'transparent' || / 0\\)$/.test(bg);
    if (!transparent && lum(bg) < 0.7) wrong.push(`dark background: ${el.tagName}.${el.className} ${bg}`);
  }
  return wrong.slice(0, 10);
}"""

PRINTED_LINKS = """() => [...document.querySelectorAll('a[href^="http"]')]
  .filter(a => a.getClientRects().length)
  .map(a => [a.getAttribute('href'), a.textContent.trim(), getComputedStyle(a, '::after').content])"""

# A property only style.css sets: if it is there, the stylesheet loaded.
STYLED = "getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() !== ''"


@pytest.fixture(scope="module")
def dark(browser: Browser) -> Iterator[RecordingPage]:
    page = open_tab(browser, color_scheme="dark")
    yield page
    page.context.close()


def _body_luminance(page: Page) -> tuple[float, float]:
    return page.evaluate(LUMINANCE, "backgroundColor"), page.evaluate(LUMINANCE, "color")


@pytest.mark.parametrize("path", ["index.html", f"en/{INCIDENT}"])
def test_dark_scheme_turns_the_page_dark(page: RecordingPage, dark: RecordingPage, demo_url: str, path: str) -> None:
    page.goto(demo_url + path)
    dark.goto(demo_url + path)
    light_bg, light_fg = _body_luminance(page)
    dark_bg, dark_fg = _body_luminance(dark)
    assert light_bg > 0.8 and light_fg < 0.1, (light_bg, light_fg)
    assert dark_bg < 0.1 and dark_fg > 0.6, (dark_bg, dark_fg)


@pytest.mark.parametrize("path", ["index.html", INCIDENT, f"en/{INCIDENT}"])
def test_printed_notice_is_clean_and_shows_addresses(dark: RecordingPage, demo_url: str, path: str) -> None:
    dark.goto(demo_url + path)
    dark.emulate_media(media="print")
    try:
        # Dark ink on white even for a reader whose screen is dark: toner, not a black page.
        bg, fg = _body_luminance(dark)
        assert bg > 0.9 and fg < 0.05, (bg, fg)
        assert dark.evaluate(INK_ON_PAPER) == []
        for selector in ("nav", ".skip"):
            for element in dark.locator(selector).all():
                assert not element.is_visible(), f"{selector} is printed"
        links = dark.evaluate(PRINTED_LINKS)
        assert links, "the demo's contacts carry web addresses"
        for href, text, after in links:
            assert href in text or href in after, f"printed link hides its address: {text} → {href} ({after})"
        # The paper says where the live notice is.
        address = dark.locator(".print-address")
        assert address.is_visible() and "https://status.example.com/" in address.inner_text()
    finally:
        dark.emulate_media(media="screen")
    assert not dark.locator(".print-address").is_visible(), "the address line is for paper only"


def test_site_works_opened_from_disk(page: RecordingPage, demo_public: Path) -> None:
    page.goto((demo_public / "index.html").as_uri())
    assert page.evaluate(STYLED), "stylesheet did not load from file://"

    page.locator(f'main a[href="{INCIDENT}"]').first.click()
    page.wait_for_load_state()
    assert page.url == (demo_public / INCIDENT).as_uri()
    assert page.evaluate(STYLED)

    page.locator('.langs a[hreflang="en"]').click()
    page.wait_for_load_state()
    assert page.url == (demo_public / "en" / INCIDENT).as_uri()
    assert page.evaluate(STYLED) and page.evaluate("document.documentElement.lang") == "en"

    page.goto((demo_public / "index.html").as_uri())
    page.locator('.langs a[hreflang="en"]').click()
    page.wait_for_load_state()
    assert page.url == (demo_public / "en" / "index.html").as_uri()
    assert page.evaluate(STYLED)
