"""Regenerate docs/screenshots/*.png: the demo's home and incident pages, Korean and English,
on a 1280 px desktop and a 360×640 phone, as of the demo's moment (the morning after the fire).

    python docs/screenshots.py            # writes docs/screenshots/
    python docs/screenshots.py -o /tmp/x  # somewhere else

Shots show the first screen a reader sees, not the whole page: that screen is what the theme
must get right (what is down, what to use instead). Needs what the browser tests need:
Debian's chromium, Playwright, and fonts-nanum so Korean renders.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOW = "2025-09-27T10:00+09:00"
PAGES = {"home": "index.html", "incident": "incidents/2025-09-26-nirs-fire.html"}
SCREENS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 360, "height": 640}}

# The browser tests' harness knows how to start Chromium on this offline machine and how to
# serve a folder on 127.0.0.1; reuse it rather than keep a second copy of those flags.
sys.path.insert(0, str(ROOT / "tests"))
from browser.harness import launch, static_server  # noqa: E402

from generator.build import build  # noqa: E402
from generator.content.model import parse_time  # noqa: E402


def shoot(public: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright, static_server(public) as base_url:
        browser = launch(playwright)
        for screen, viewport in SCREENS.items():
            context = browser.new_context(viewport=viewport, color_scheme="light")
            page = context.new_page()
            for name, path in PAGES.items():
                for lang in ("ko", "en"):
                    page.goto(base_url + (path if lang == "ko" else f"en/{path}"))
                    target = out / f"{name}-{lang}-{screen}.png"
                    page.screenshot(path=str(target))
                    written.append(target)
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    now = parse_time(DEMO_NOW)
    assert now is not None
    with tempfile.TemporaryDirectory() as tmp:
        public = Path(tmp) / "public"
        build(ROOT / "content", public, now)
        for path in shoot(public, args.output):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
