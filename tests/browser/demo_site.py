"""The demo site as the browser tests see it: built once per module, served from 127.0.0.1.

Every page type is listed in both languages, so a check written once runs on the home,
incident, service, history, maintenance, alternatives and 404 pages, Korean and English.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import yaml
from conftest import DEMO, DEMO_NOW, at

from generator.build import build

from .harness import REPO_ROOT, static_server

if TYPE_CHECKING:  # pragma: no cover - typing only
    from playwright.sync_api import Browser

    from .harness import RecordingPage

INCIDENT = "incidents/2025-09-26-nirs-fire.html"
PAGES = {
    "home": "index.html",
    "incident": INCIDENT,
    "service": "services/id-card-check.html",
    "history": "history.html",
    "maintenance": "maintenance/2025-10-12-banking-system-upgrade.html",
    "alternatives": "alternatives.html",
    "affiliate-home": "bank/index.html",
    "follow": "follow.html",
    "404": "404.html",
}
# The 404 page exists once, in the default language: a host serves it for any missing path.
PAGE_PATHS = [
    pytest.param(lang, path, id=f"{kind}-{lang}")
    for kind, path in PAGES.items()
    for lang in ("ko", "en")
    if not (kind == "404" and lang == "en")
]

LABELS = yaml.safe_load((REPO_ROOT / "themes" / "default" / "labels.yaml").read_text(encoding="utf-8"))


def localised(lang: str, path: str) -> str:
    """The Korean page's English twin lives under en/ (Korean is the default language)."""
    return path if lang == "ko" else f"en/{path}"


def build_demo(target: Path, now: str = DEMO_NOW) -> Path:
    """Build a copy of the shipped demo, so a test run never touches content/ or public/."""
    content = target / "content"
    shutil.copytree(DEMO, content)
    out = target / "public"
    build(content, out, at(now))
    return out


def status_words(lang: str) -> list[str]:
    """Every word the theme uses to state a status, in one language: what must be readable
    without colour (a rollup's up to the counts it is formatted with)."""
    kinds = ("status", "overall", "overall_all", "rollup", "incident")
    return [text.split("{", 1)[0] for key, text in LABELS[lang].items() if key.split(".")[0] in kinds]


@pytest.fixture(scope="module")
def demo_public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_url(demo_public: Path) -> Iterator[str]:
    with static_server(demo_public) as base_url:
        yield base_url


def open_tab(browser: Browser, **options: Any) -> RecordingPage:
    """One page kept for a whole module and navigated from test to test: opening a fresh one
    per check costs more than the check. Static pages keep no state between visits, and the
    request log is cleared by the caller before each visit that it inspects."""
    context = browser.new_context(**options)
    page = cast("RecordingPage", context.new_page())
    page.requests_seen = []
    context.on("request", lambda request: page.requests_seen.append(request.url))
    return page


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[RecordingPage]:
    page = open_tab(browser)
    yield page
    page.context.close()
