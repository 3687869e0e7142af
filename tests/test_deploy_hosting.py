"""Host conventions every build carries: `_headers` cache rules, `.nojekyll`, one header policy."""

from __future__ import annotations

import fnmatch

from conftest import at

from generator.build import render
from generator.machine.hosting import cache_control, content_type


def _rules(headers: str) -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {}
    current = ""
    for line in headers.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(" "):
            rules[current].append(line.strip())
        else:
            current = line.strip()
            rules[current] = []
    return rules


def test_build_writes_headers_and_nojekyll(tree) -> None:
    files = render(tree.root, at("2025-09-27T10:00+09:00")).files
    assert files[".nojekyll"] == b""
    rules = _rules(files["_headers"].decode("utf-8"))
    assets = [p for p in files if p.startswith("assets/")]
    assert assets, "the default theme ships at least a stylesheet"
    for path in files:
        matching = [pattern for pattern in rules if fnmatch.fnmatch("/" + path, pattern)]
        cache = [h for pattern in matching for h in rules[pattern] if h.lower().startswith("cache-control:")]
        # Netlify and Cloudflare Pages join the values of every matching rule, so at most one may set it.
        assert len(cache) == (1 if path in assets else 0), (path, cache)
        if path in assets:
            assert cache[0] == "Cache-Control: public, max-age=31536000, immutable"


def test_texts_declare_utf8_and_only_fingerprinted_assets_are_cached_for_long() -> None:
    assert content_type("incidents/2025-09-26-nirs-fire.html") == "text/html; charset=utf-8"
    assert content_type("assets/style.b96788655d.css") == "text/css; charset=utf-8"
    assert content_type("api/summary.json") == "application/json"
    assert content_type("_headers") == "text/plain; charset=utf-8"
    assert content_type("assets/logo.1234567890.png") == "image/png"
    assert cache_control("assets/style.b96788655d.css") == "public, max-age=31536000, immutable"
    for path in ("index.html", "en/index.html", "api/summary.json", "feeds/incidents.xml"):
        assert "immutable" not in cache_control(path) and "max-age=60" in cache_control(path)
