"""Prove the browser harness can both pass and fail.

A checker that never reports anything would make every page test pass, so
each helper is shown a page it must reject as well as one it must accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from .harness import run_axe, run_vnu, static_server

if TYPE_CHECKING:  # pragma: no cover - typing only; a missing playwright must skip, not break collection
    from .harness import RecordingPage as Page

# A 1x1 GIF inline, so the image needs no request of its own.
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

GOOD_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payments API: operational</title>
</head>
<body>
<header><p>Example Bank status</p></header>
<main>
<h1>All systems operational</h1>
<p><img src="{PIXEL}" alt="Green tick"> Card payments are working normally.</p>
<ul><li><a href="#history">Past incidents</a></li></ul>
<h2 id="history">Past incidents</h2>
<p>None in the last 90 days.</p>
</main>
</body>
</html>
"""

BAD_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Broken page</title>
</head>
<body>
<main>
<h1>Degraded performance</h1>
<img src="{PIXEL}">
<section><span>Card payments are slow
</section>
</main>
</body>
</html>
"""


def _write(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_valid_accessible_page_passes_axe_and_vnu(page: Page, tmp_path: Path) -> None:
    path = _write(tmp_path, "good.html", GOOD_PAGE)
    page.goto(path.as_uri())

    assert run_axe(page) == []
    assert run_vnu([path]) == []


def test_missing_alt_and_unclosed_element_are_reported(page: Page, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.html", BAD_PAGE)
    page.goto(path.as_uri())

    rule_ids = {violation["id"] for violation in run_axe(page)}
    assert "image-alt" in rule_ids

    messages = [error["message"] for error in run_vnu([path])]
    assert any("Unclosed element" in message for message in messages), messages


def test_static_server_page_loads_only_from_loopback(page: Page, tmp_path: Path) -> None:
    (tmp_path / "style.css").write_text("body { font-family: sans-serif; }\n", encoding="utf-8")
    (tmp_path / "app.js").write_text("document.title += ' (js ran)';\n", encoding="utf-8")
    _write(
        tmp_path,
        "index.html",
        GOOD_PAGE.replace(
            "</head>",
            '<link rel="stylesheet" href="style.css">\n<script src="app.js"></script>\n</head>',
        ),
    )

    with static_server(tmp_path) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        response = page.goto(base_url)
        assert response is not None and response.ok
        page.wait_for_load_state("networkidle")
        assert page.title().endswith("(js ran)")

    # The page, its stylesheet and its script: proof the recording works,
    # so the host check below is not passing on an empty list.
    assert len(page.requests_seen) >= 3, page.requests_seen
    hosts = {urlsplit(url).hostname for url in page.requests_seen}
    assert hosts == {"127.0.0.1"}, page.requests_seen


def test_axe_runs_on_a_page_whose_csp_forbids_inline_scripts(page: Page, tmp_path: Path) -> None:
    # Status pages may well ship a strict CSP; the checker must still run
    # there, and must still find problems rather than give up quietly.
    csp = '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
    _write(tmp_path, "index.html", BAD_PAGE.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + csp))

    with static_server(tmp_path) as base_url:
        page.goto(base_url)
        rule_ids = {violation["id"] for violation in run_axe(page)}

    assert "image-alt" in rule_ids


def test_vnu_refuses_paths_it_would_silently_skip(tmp_path: Path) -> None:
    # vnu.jar exits 0 with no messages for a file that does not exist.
    with pytest.raises(FileNotFoundError):
        run_vnu([tmp_path / "missing.html"])
    with pytest.raises(ValueError):
        run_vnu([])
