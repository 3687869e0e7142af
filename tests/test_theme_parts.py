"""`{% cache %}` parts of a theme: rendered once per view, language and link depth, yet every
page shows the part as if it had rendered it itself."""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW, ROOT, at
from html_text import Page

from generator.build import render
from generator.preview.incremental import IncrementalSite

PART = """
{% cache "links" %}<p class="part">{{ _('history') }} <a href="{{ url('history.html') }}">{{ t(site.title) }}</a>
<a href="{{ group_url('index.html') }}">{{ lang }}</a></p>{% endcache %}
{% cache "home", page.key == "index.html" %}<p class="home-part">{% if page.key == "index.html" %}here{% else %}elsewhere{% endif %}</p>{% endcache %}
"""


@pytest.fixture(scope="module")
def theme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default theme with two cached parts at the end of every page's main part."""
    theme = tmp_path_factory.mktemp("theme") / "parts"
    shutil.copytree(ROOT / "themes" / "default", theme)
    base = theme / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</main>", PART + "</main>"), encoding="utf-8")
    return theme


@pytest.fixture(scope="module")
def files(theme: Path) -> dict[str, bytes]:
    return dict(render(DEMO, at(DEMO_NOW), theme=str(theme)).files)


def _pages(files: dict[str, bytes]) -> dict[str, Page]:
    return {path: Page(data.decode("utf-8")) for path, data in files.items()
            if path.endswith(".html") and path != "404.html" and not path.endswith("widget.html")}


def test_a_cached_part_links_correctly_from_every_folder_and_speaks_the_page_language(files: dict[str, bytes]) -> None:
    pages = _pages(files)
    assert {path.count("/") for path in pages} >= {0, 1, 2}, "the demo has pages at several depths"
    sections = {path.removeprefix("en/").removesuffix("widget.html") for path in files if path.endswith("widget.html")}
    assert len(sections) > 1, "the demo has affiliates' sections"
    for path, page in pages.items():
        part = page.html.split('<p class="part">', 1)[1].split("</p>", 1)[0]
        folder = posixpath.dirname(path)
        history, home = (posixpath.normpath(posixpath.join(folder, link)) for link in Page(part).links())
        language = "en" if path.startswith("en/") else "ko"
        section = next((s for s in sections if s and path.removeprefix("en/").startswith(s)), "")
        prefix = "en/" if language == "en" else ""
        assert (history, home) == (f"{prefix}{section}history.html", f"{prefix}index.html"), path
        words = "Incident history" if language == "en" else "장애 내역"
        assert part.startswith(words) and f">{language}</a>" in part, path


def test_values_after_the_name_keep_a_copy_for_each_value(files: dict[str, bytes]) -> None:
    for path, page in _pages(files).items():
        shown = page.html.split('<p class="home-part">', 1)[1].split("</p>", 1)[0]
        assert shown == ("here" if path.endswith("index.html") else "elsewhere"), path


def test_the_preview_shows_cached_parts_as_a_build_does(theme: Path, files: dict[str, bytes], demo: Path) -> None:
    site = IncrementalSite(demo, at(DEMO_NOW), theme=str(theme))
    site.rebuild()
    assert site.files() == files
