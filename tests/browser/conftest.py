"""Fixtures for tests that drive Debian's Chromium through Playwright.

Every test in this folder gets the ``browser`` marker, so ``-m "not
browser"`` gives a quick run without Chromium, Java or node_modules.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from .harness import launch, missing_prerequisites

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser

    from .harness import RecordingPage

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark this folder's tests, and run them after all others: pytest calls this
    hook with every collected item of the session. Playwright leaves asyncio
    threads behind, and a process with threads never forks render workers, so
    the tests of forked rendering must run before any browser test."""
    mine = {id(item) for item in items if item.path.resolve().is_relative_to(HERE)}
    for item in items:
        if id(item) in mine:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: id(item) in mine)


@pytest.fixture(scope="session", autouse=True)
def browser_prerequisites() -> None:
    """Skip on a developer's machine that lacks the tools, but fail in CI:
    there .ci/run installs them, so a gap means the CI script is broken and a
    silent skip would let the browser checks quietly stop running."""
    missing = missing_prerequisites()
    if not missing:
        return
    message = (
        "browser tests need: " + "; ".join(missing)
        + ". .ci/run installs them (apt-get install chromium fonts-nanum"
        " [default-jre-headless], npm ci, pip install -e '.[test]')."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(browser_prerequisites: None) -> Iterator[Browser]:
    """One Chromium for the whole session, since starting it costs about a
    second; tests stay isolated through a fresh context per test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[RecordingPage]:
    """A page in a fresh context (no cookies, cache or storage carried over
    from another test) that records every request URL in
    ``page.requests_seen``, so a test can assert a status page loads
    nothing from third-party hosts."""
    context = browser.new_context()
    page = cast("RecordingPage", context.new_page())
    requests_seen: list[str] = []
    page.requests_seen = requests_seen
    # Listen on the context, not the page, so requests from popups and
    # workers the page starts are counted too.
    context.on("request", lambda request: requests_seen.append(request.url))
    try:
        yield page
    finally:
        context.close()
