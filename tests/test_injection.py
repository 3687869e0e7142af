"""Injection: XSS payloads and template syntax typed into any text field never become markup that
runs, nor get evaluated, in any output — pages, feeds, JSON, calendars, badges, whatever else
the build writes (every output file is read in its own format; see site_outputs.py).

The payloads follow the OWASP XSS filter-evasion cheat sheet: script tags, event handlers,
javascript:/data: URLs, SVG and MathML tricks, broken and nested tags, entity-encoded schemes,
attribute breakouts, and Jinja/other template syntax. Each one goes into every text field at once
(every_field.py); the Chromium check is tests/browser/test_injection_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import at
from every_field import NOW, content_with, write_content
from site_outputs import findings, visible_text

from generator.build import render_site
from generator.content.check import check
from generator.site.theme import find_theme, load_theme
from generator.state.derive import snapshot

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.test/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "<<script>alert(1);//<</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<img src="x" onerror="&#97;&#108;&#101;&#114;&#116;(1)">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "]]></title><script>alert(1)</script>",
    "</textarea></title></style><script>alert(1)</script>",
    "<style>@import 'javascript:alert(1)';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<details open ontoggle=alert(1)>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "\u202e<script>alert(1)</script>\u202c",
    "line one\r\nX-INJECTED:1\r\nATTACH:javascript:alert(1)\r\nBEGIN:VALARM",
    "{{ 'EVAL' ~ 'UATED' }}",
    "{% if true %}TPL{% endif %}IF",
    "{{ self.__init__.__globals__ }} {{ config }} {{ 7*7 }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "${'EVAL' + 'UATED'} #{7*7} <%= 7*7 %> {7*7}",
]
ALL_AT_ONCE = " ".join(PAYLOADS)
# What evaluated template syntax would print; a text shown as text never contains these.
EVALUATED = ("EVALUATED", "TPLIF", "__builtins__", "uid=")


def render_with(text: str, root: Path) -> dict[str, bytes]:
    """Every output file of a site whose every text field holds `text`."""
    content_dir = write_content(root / "content", content_with(text))
    content = check(content_dir, use_cache=False).content
    theme = load_theme(find_theme(content.site.theme, content_dir), content.site.languages)
    return render_site(content, snapshot(content, at(NOW)), theme)


def payload_ids() -> list[object]:
    return [pytest.param(p, id=f"{i:02d}-{p[:24]}") for i, p in enumerate(PAYLOADS)] + [
        pytest.param(ALL_AT_ONCE, id="all-at-once")]


@pytest.mark.parametrize("payload", payload_ids())
def test_a_payload_in_every_text_field_is_shown_as_text_in_every_output(tmp_path: Path, payload: str) -> None:
    files = render_with(payload, tmp_path)
    kinds = {Path(path).suffix for path in files}
    assert {".html", ".json", ".atom", ".rss", ".ics", ".svg"} <= kinds, kinds
    found = [finding for path, data in sorted(files.items()) for finding in findings(path, data)]
    assert found == []
    for path, data in files.items():
        assert not any(marker.encode() in data for marker in EVALUATED), f"{path}: template syntax was evaluated"
    shown = " ".join(payload.split())
    pages = [path for path, data in files.items() if path.endswith(".html")
             and shown in " ".join(visible_text(path, data).split())]
    assert len(pages) > len(files) // 4, "the payload should be visible as text on the pages"
    assert any(shown in " ".join(visible_text(path, files[path]).split()) for path in files if path.endswith(".json"))


def test_the_scanner_catches_what_it_is_meant_to(tmp_path: Path) -> None:
    """The checks above pass only if findings() can fail: feed it the mistakes a template could make."""
    files = render_with("plain text", tmp_path)
    page, feed, rss = "incidents/2025-09-26-outage.html", "feeds/incidents.atom", "feeds/incidents.rss"
    planted = {
        page: files[page].replace(b"plain text", b"<img src=x onerror=alert(1)>", 1),
        "index.html": files["index.html"].replace(b"</main>", b"<a href=' javascript:alert(1)'>x</a></main>", 1),
        feed: files[feed].replace(b"&lt;p&gt;plain text", b"&lt;p&gt;&lt;img src=x onerror=alert(1)&gt;", 1),
        rss: files[rss].replace(b"&lt;p&gt;plain text", b"&lt;p&gt;&lt;a href=javascript:alert(1)&gt;x&lt;/a&gt;", 1),
        "maintenance.ics": files["maintenance.ics"].replace(b"SUMMARY:", b"ATTACH:javascript:x\r\nSUMMARY:", 1),
        "badges/status.svg": files["badges/status.svg"].replace(b"</svg>", b"<script>alert(1)</script></svg>", 1),
    }
    for path, data in planted.items():
        assert data != files[path], f"nothing planted in {path}"
        assert findings(path, data), path
