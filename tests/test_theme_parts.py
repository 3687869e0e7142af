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
from generator.resident.site import IncrementalSite

PART = """
{% cache "links" %}<p class="part">{{ _('history') }} <a href="{{ url('history.html') }}">{{ t(site.title) }}</a>
<a href="{{ group_url('index.html') }}">{{ lang }}</a></p>{% endcache %}
{% cache "home", page.key == "index.html" %}<p class="home-part">{% if page.key == "index.html" %}here{% else %}elsewhere{% endif %}</p>{% endcache %}
"""


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo content, in a site whose theme `parts` overrides the default's base.html with two
    cached parts at the end of every page's main part."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(DEMO, site / "content")
    base = site / "themes" / "parts" / "templates" / "base.html"
    base.parent.mkdir(parents=True)
    base.write_text((ROOT / "themes" / "default" / "templates" / "base.html").read_text(encoding="utf-8")
                    .replace("</main>", PART + "</main>"), encoding="utf-8")
    return site / "content"


@pytest.fixture(scope="module")
def files(content: Path) -> dict[str, bytes]:
    return dict(render(content, at(DEMO_NOW), theme="parts").files)


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


def test_the_preview_shows_cached_parts_as_a_build_does(content: Path, files: dict[str, bytes]) -> None:
    site = IncrementalSite(content, at(DEMO_NOW), theme="parts")
    site.rebuild()
    assert site.files() == files
