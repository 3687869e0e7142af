"""Injection in a real browser: with every XSS payload in every text field at once, no page or
badge of the built site runs anything — no dialog opens, no request leaves for the payloads' host.

The static checks (tests/test_injection.py) read the files as a parser does; Chromium is the
final word on what a browser would actually execute, including its error-tolerant HTML parsing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from conftest import at
from every_field import NOW, content_with, write_content
from test_injection import ALL_AT_ONCE

from generator.build import build

from .harness import static_server

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .harness import RecordingPage


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    root = tmp_path_factory.mktemp("injection")
    content = write_content(root / "content", content_with(ALL_AT_ONCE))
    build(content, root / "public", at(NOW), use_cache=False)
    pages = sorted(p.relative_to(root / "public").as_posix() for p in (root / "public").rglob("*")
                   if p.suffix in (".html", ".svg"))
    with static_server(root / "public") as base:
        yield base, pages


def test_no_page_or_badge_runs_a_payload(hostile_site: tuple[str, list[str]], page: RecordingPage) -> None:
    base, paths = hostile_site
    assert len(paths) > 30
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
    for path in paths:
        page.goto(base + path, wait_until="load")
        # Give timers, animations (<animate onbegin>) and focus handlers a moment to fire.
        page.wait_for_timeout(20)
        assert page.evaluate("document.scripts.length") == 0, path
    assert dialogs == []
    assert [url for url in page.requests_seen if not url.startswith(base)] == []
