"""Every page type, Korean and English, checked in Chromium the way a reader meets it:
axe-core in light and dark, structure a screen reader relies on, keyboard use, no JavaScript
needed, nothing from other hosts, and valid HTML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from .demo_site import PAGE_PATHS, demo_public, demo_url, localised, open_tab, status_words, tab  # noqa: F401
from .harness import AXE_JS, run_axe, run_vnu

if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

    from .harness import RecordingPage

# axe rules outside the WCAG tags that still describe what a screen-reader user depends on:
# landmarks, one main heading, a working bypass. Run by rule id so the list is explicit.
STRUCTURE_RULES = [
    "landmark-one-main", "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main", "landmark-unique", "page-has-heading-one", "region", "skip-link",
    "heading-order", "bypass",
]

# The formats timefmt.py writes ('2025년 9월 26일 (금) 20:15 KST', 'Fri 26 Sep 2025, 20:15 KST').
THEME_TIME = r"\d{4}년 \d{1,2}월 \d{1,2}일 \(.\) \d\d:\d\d|\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d"

TIMES_OUTSIDE_TIME_ELEMENTS = """pattern => {
  const re = new RegExp(pattern, 'g');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const m of node.textContent.matchAll(re)) {
      if (!node.parentElement.closest('time')) found.push(m[0]);
    }
  }
  return found;
}"""

TIME_ELEMENTS = """() => [...document.querySelectorAll('time')].map(t => [t.getAttribute('datetime'), t.textContent])"""

# What a screen reader says for an element: its text without the parts hidden from it.
SPOKEN = """el => {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('[aria-hidden="true"]').forEach(n => n.remove());
  return copy.textContent.replace(/\\s+/g, ' ').trim();
}"""

STATUS_ELEMENTS = f"""() => [...document.querySelectorAll('.status, .istatus, .banner, [class*="status-"]')]
  .filter(el => el.getClientRects().length).map({SPOKEN})"""

FOCUS_STYLE = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {tag: el.tagName, text: el.textContent.trim().slice(0, 40), outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), shadow: style.boxShadow};
}"""


@pytest.fixture(scope="module")
def tabs(browser: Browser) -> Iterator[dict[str, RecordingPage]]:
    """A page per reader setting the module compares: light, dark, and JavaScript off."""
    opened = {"light": open_tab(browser, color_scheme="light"), "dark": open_tab(browser, color_scheme="dark"),
              "no-js": open_tab(browser, java_script_enabled=False)}
    yield opened
    for page in opened.values():
        page.context.close()


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status in (200, 304), url


def _body_text(page: Page, url: str) -> str:
    _open(page, url)
    return page.inner_text("body")


def _summary(violations: list[dict[str, Any]]) -> list[str]:
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_no_wcag_violations_in_either_colour_scheme(
    tabs: dict[str, RecordingPage], demo_url: str, lang: str, path: str, scheme: str
) -> None:
    page = tabs[scheme]
    _open(page, demo_url + localised(lang, path))
    assert _summary(run_axe(page)) == []


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_structure_a_screen_reader_relies_on(tab: RecordingPage, demo_url: str, lang: str, path: str) -> None:
    _open(tab, demo_url + localised(lang, path))
    tab.add_script_tag(path=str(AXE_JS))
    result = tab.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", STRUCTURE_RULES
    )
    assert _summary(result["violations"]) == []
    # 404 is served for missing paths in any language, so it carries the default language.
    assert tab.evaluate("document.documentElement.lang") == (lang if path != "404.html" else "ko")
    headings = tab.evaluate(f"[...document.querySelectorAll('h1')].map({SPOKEN})")
    assert len(headings) == 1, headings
    # The tab title names the page first and the site last, so a list of tabs or a screen
    # reader's first words say where you are.
    title = tab.title()
    assert title.startswith(headings[0]), (title, headings)
    site_title = tab.locator(".site-header .brand").inner_text().strip()
    assert title.endswith(site_title), title


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_status_is_spelled_out_not_only_coloured(tab: RecordingPage, demo_url: str, lang: str, path: str) -> None:
    _open(tab, demo_url + localised(lang, path))
    words = status_words(lang)
    statuses = tab.evaluate(STATUS_ELEMENTS)
    for text in statuses:
        assert any(word in text for word in words), f"status shown without words: {text!r}"


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_every_shown_time_is_a_machine_readable_time(
    tab: RecordingPage, demo_url: str, lang: str, path: str
) -> None:
    _open(tab, demo_url + localised(lang, path))
    assert tab.evaluate(TIMES_OUTSIDE_TIME_ELEMENTS, THEME_TIME) == []
    times = tab.evaluate(TIME_ELEMENTS)
    assert times, "every page shows at least the as-of time"
    for stamp, shown in times:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", stamp or ""):  # a day of the availability history, as a date
            year, _, day = stamp.split("-")
            assert year in shown and re.search(rf"(?<!\d){int(day)}(?!\d)", shown.replace(year, "")), (stamp, shown)
            continue
        # ISO 8601 with the site's offset, and the clock time the reader sees.
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", stamp or ""), stamp
        assert stamp[11:16] in shown, (stamp, shown)


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_skip_link_moves_focus_to_the_content(tab: RecordingPage, demo_url: str, lang: str, path: str) -> None:
    _open(tab, demo_url + localised(lang, path))
    tab.keyboard.press("Tab")
    skip = tab.evaluate("""() => { const el = document.activeElement, r = el.getBoundingClientRect();
        return {cls: el.className, href: el.getAttribute('href'), top: r.top, left: r.left,
                bottom: r.bottom, right: r.right, w: innerWidth}; }""")
    assert skip["cls"] == "skip" and skip["href"] == "#main", skip
    # It must be on screen while focused, or a sighted keyboard user never learns it exists.
    assert skip["top"] >= 0 and skip["left"] >= 0 and skip["right"] <= skip["w"], skip
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.closest('main') !== null"), "next Tab stays in the content"


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_keyboard_focus_is_visible(tab: RecordingPage, demo_url: str, lang: str, path: str) -> None:
    _open(tab, demo_url + localised(lang, path))
    focusable = tab.locator("a[href], button, summary, [tabindex='0']").count()
    for _ in range(min(focusable, 12)):
        tab.keyboard.press("Tab")
        style = tab.evaluate(FOCUS_STYLE)
        assert (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none", style


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_same_information_without_javascript(
    tabs: dict[str, RecordingPage], demo_url: str, lang: str, path: str
) -> None:
    with_js, without_js = (_body_text(tabs[name], demo_url + localised(lang, path)) for name in ("light", "no-js"))
    assert without_js.strip(), "the page shows nothing without JavaScript"
    assert without_js == with_js


@pytest.mark.parametrize(("lang", "path"), PAGE_PATHS)
def test_nothing_is_loaded_from_other_hosts(page: RecordingPage, demo_url: str, lang: str, path: str) -> None:
    # A fresh context (the `page` fixture), so no cached stylesheet hides a request.
    _open(page, demo_url + localised(lang, path))
    page.wait_for_load_state("networkidle")
    assert len(page.requests_seen) >= 2, "the page and its stylesheet at least"
    assert {urlsplit(url).hostname for url in page.requests_seen} == {"127.0.0.1"}, page.requests_seen
    # No web fonts: Korean comes from the reader's own system fonts.
    assert page.evaluate("document.fonts.size") == 0


def test_every_built_page_is_valid_html(demo_public: Path) -> None:
    pages = sorted(demo_public.rglob("*.html"))
    assert len(pages) > 50
    errors = run_vnu(pages)
    assert [f"{e.get('url', '').rsplit('/public/', 1)[-1]}:{e.get('lastLine')}: {e['message']}" for e in errors] == []
