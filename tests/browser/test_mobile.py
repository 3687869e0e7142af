"""A 360×640 phone on a slow network: nothing to scroll sideways, text big enough to read,
targets big enough to tap, and a home page light enough to arrive quickly.

Tap-target rule (WCAG 2.5.5, with the same "inline" exception as 2.5.5 and 2.5.8): every
link, button or form control is at least 44×44 CSS px, unless it is a link inside running
text, meaning its computed display is ``inline`` and the block it sits in holds words
besides the link itself. Links that stand alone (a service name in a card, "Details", the
language switch, a list of services) get no exemption.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.request import urlopen

import pytest

from .demo_site import PAGE_PATHS, build_demo, demo_public, demo_url, localised, open_tab  # noqa: F401
from .harness import static_server

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser

    from .harness import RecordingPage

PHONE = {"width": 360, "height": 640}
MIN_TARGET = 44
MIN_TEXT = 16
# The home page budget from the issue, HTML + CSS + JS + images.
MAX_GZIP, MAX_RAW = 30 * 1024, 100 * 1024
# Later in the demo's story, services are back and recovery reports carry a chart: the
# restored list and the progress block must fit a phone too.
LATER = "2025-10-11T09:00+09:00"

SMALL_TEXT = """min => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    if (el.closest('.visually-hidden')) continue;  // read aloud, never shown
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  return small;
}"""

SMALL_TARGETS = """min => {
  const blockOf = el => {
    let node = el.parentElement;
    while (node && ['inline', 'contents'].includes(getComputedStyle(node).display)) node = node.parentElement;
    return node;
  };
  const inRunningText = el => getComputedStyle(el).display === 'inline'
    && blockOf(el).innerText.trim().length > el.innerText.trim().length;
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    const box = el.getBoundingClientRect();
    if (!box.width || el.classList.contains('skip')) continue;  // the skip link is checked focused, below
    if ((box.width < min || box.height < min) && !inRunningText(el))
      small.push(`${Math.round(box.width)}x${Math.round(box.height)}: ${el.outerHTML.slice(0, 80)}`);
  }
  return small;
}"""


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[RecordingPage]:
    page = open_tab(browser, viewport=PHONE)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def later_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with static_server(build_demo(tmp_path_factory.mktemp("later"), now=LATER)) as base_url:
        yield base_url


def _check_fits_a_phone(phone: RecordingPage, url: str) -> None:
    response = phone.goto(url)
    assert response is not None and response.ok, url
    width = phone.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width[0]}px content in a {width[1]}px screen"
    assert phone.evaluate(SMALL_TEXT, MIN_TEXT) == []
    assert phone.evaluate(SMALL_TARGETS, MIN_TARGET) == []


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_page_fits_a_phone(phone: RecordingPage, demo_url: str, lang: str, path: str) -> None:
    _check_fits_a_phone(phone, demo_url + localised(lang, path))


@pytest.mark.parametrize("path", ["index.html", "en/index.html", "incidents/2025-09-26-nirs-fire.html"])
def test_page_fits_a_phone_once_services_are_restored(phone: RecordingPage, later_url: str, path: str) -> None:
    _check_fits_a_phone(phone, later_url + path)
    assert phone.locator("#restored-h").count() or "incidents/" in path


def test_focused_skip_link_is_a_full_size_target(phone: RecordingPage, demo_url: str) -> None:
    phone.goto(demo_url)
    phone.keyboard.press("Tab")
    box = phone.evaluate("(({width, height}) => [width, height])(document.activeElement.getBoundingClientRect())")
    assert min(box) >= MIN_TARGET, box


def test_home_page_is_light_on_a_slow_network(page: RecordingPage, demo_url: str) -> None:
    page.goto(demo_url)
    page.wait_for_load_state("networkidle")
    assert page.requests_seen, "the request log is empty"
    raw = gz = 0
    for url in page.requests_seen:
        with urlopen(url) as response:  # noqa: S310 - our own 127.0.0.1 server
            body = response.read()
        raw += len(body)
        gz += len(gzip.compress(body, compresslevel=6))  # what a web server's gzip typically sends
    assert gz < MAX_GZIP, f"{gz} bytes gzipped over {len(page.requests_seen)} requests"
    assert raw < MAX_RAW, f"{raw} bytes uncompressed over {len(page.requests_seen)} requests"
