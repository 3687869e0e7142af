"""The preview in a real browser: a save shows up by itself, a bad save is explained over the old page."""

from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from conftest import DEMO_NOW, at

from generator.content.check import check
from generator.errors import ContentError
from generator.preview.serve import Session
from generator.resident.site import IncrementalSite

from .harness import run_axe

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .harness import RecordingPage as Page

CARD = "incidents/2025-03-14-card-payment-delay.yaml"
TITLE = "카드 결제 승인 지연"
WAIT_MS = 30_000


@pytest.fixture
def preview(demo: Path) -> Iterator[str]:
    session = Session(IncrementalSite(demo, at(DEMO_NOW)), "127.0.0.1", 0, io.StringIO())
    session.start()
    thread = threading.Thread(target=session.serve_forever)
    thread.start()
    try:
        yield session.url
    finally:
        session.shutdown()
        thread.join()
        session.close()


def save(path: Path, text: str) -> None:
    """An editor's atomic save: a hidden temp file renamed over the notice."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_a_save_reloads_the_page_and_a_bad_save_is_explained_over_it(page: Page, preview: str, demo: Path) -> None:
    from playwright.sync_api import expect

    notice = demo / CARD
    original = notice.read_text(encoding="utf-8")
    page.goto(preview + "incidents/2025-03-14-card-payment-delay.html")
    heading = page.locator("main h1")
    expect(heading).to_have_text(TITLE)

    save(notice, original.replace(TITLE, f"{TITLE} (수정됨)", 1))
    expect(heading).to_have_text(f"{TITLE} (수정됨)", timeout=WAIT_MS)

    broken = original.replace("impact: minor", "impact: [minor", 1)
    save(notice, broken)
    overlay = page.get_by_role("alert")
    expect(overlay).to_be_visible(timeout=WAIT_MS)
    with pytest.raises(ContentError) as reported:
        check(demo, use_cache=False)
    where = str(reported.value.problems[0].location)
    assert re.fullmatch(rf"content/{re.escape(CARD)}:\d+:\d+", where)
    expect(overlay).to_contain_text(where)
    expect(overlay).to_contain_text("YAML syntax error")
    expect(heading).to_have_text(f"{TITLE} (수정됨)")
    assert run_axe(page) == []

    save(notice, original.replace(TITLE, f"{TITLE} (복구)", 1))
    expect(heading).to_have_text(f"{TITLE} (복구)", timeout=WAIT_MS)
    expect(page.get_by_role("alert")).to_have_count(0)
    host = urlsplit(preview).netloc
    assert {urlsplit(url).netloc for url in page.requests_seen} == {host}
