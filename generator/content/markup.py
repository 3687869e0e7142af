"""Markdown bodies to HTML that is safe to publish.

Notices are pasted in a hurry, sometimes from other systems; whatever they contain, the output
never carries scripts, event handlers or javascript: links. nh3 (an allow-list sanitiser) does
the cleaning, so we never hand-write HTML filtering.

The parser is cmark-gfm (GitHub's C implementation of CommonMark, through cmarkgfm, the binding
PyPI itself renders READMEs with). It runs in time linear in its input and is fuzzed against
pathological nesting: Python-Markdown took minutes on 20 KB of "[a" and overflowed the stack on
2 KB of "- - - …", and a notice pasted in a hurry must never hang or crash a build. It is also
30 times faster than markdown-it-py, which mattered: at 10,000 incidents a build converts about
90,000 bodies, and markdown-it-py spent 20 s of CPU on them.
"""

from __future__ import annotations

import ctypes
from functools import cache, lru_cache
from html.parser import HTMLParser

import nh3
from cmarkgfm import _cmark
from cmarkgfm.cmark import (
    Options,
    core_extensions_ensure_registered,
    find_syntax_extension,
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "abbr", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


# UNSAFE keeps raw HTML and links of any scheme for nh3 to judge, so one allow-list decides: a
# javascript: link turns into its plain words rather than an empty link or Markdown source.
_OPTIONS = Options.CMARK_OPT_UNSAFE
core_extensions_ensure_registered()
_TABLE = find_syntax_extension("table")
# cmarkgfm's own wrapper never frees the syntax tree or the HTML string cmark hands back: 3.7 KB
# lost per body, 1.7 GB in the render workers of a 50,000-incident build. Both are freed here,
# through the library's exported cmark_node_free and the C library's free.
_CMARK = ctypes.CDLL(_cmark.__file__)
_NODE_FREE = _CMARK.cmark_node_free
_NODE_FREE.argtypes = [ctypes.c_void_p]
_FREE = ctypes.CDLL(None).free
_FREE.argtypes = [ctypes.c_void_p]
# Built once: handing nh3 the allow-lists on every call cost 24 µs per body, a prepared Cleaner 9 µs.
_CLEANER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                       link_rel="noopener noreferrer")


def markdown_html(text: str) -> str:
    """Sanitised HTML for one Markdown text; headings are shifted down so the page keeps one h1.

    Raw HTML is let through to nh3, which keeps only the allowed tags.
    """
    html = _to_html(text)
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return _CLEANER.clean(html)


# The feeds and the API convert the same bodies for several views and languages. Pages call
# markdown_html itself: a build shows each body on one page per language, so a cache there
# found nothing again and held up to 65,536 bodies' HTML (about 30 MB) in each render worker.
render_markdown = lru_cache(maxsize=65_536)(markdown_html)


def _to_html(text: str) -> str:
    """cmark-gfm's HTML for `text` with the table extension, every C allocation freed."""
    return _raw_html(text).decode("utf-8")


def _raw_html(text: str, depth_limit: int = 0) -> bytes:
    """`_to_html`'s bytes; with a `depth_limit`, b"" instead when quotes and lists nest deeper."""
    lib, ffi = _cmark.lib, _cmark.ffi
    parser = lib.cmark_parser_new(_OPTIONS)
    try:
        lib.cmark_parser_attach_syntax_extension(parser, _TABLE)
        encoded = text.encode("utf-8")
        lib.cmark_parser_feed(parser, encoded, len(encoded))
        root = lib.cmark_parser_finish(parser)
        try:
            if depth_limit and _nesting(int(ffi.cast("uintptr_t", root)), depth_limit) > depth_limit:
                return b""
            raw = lib.cmark_render_html(root, _OPTIONS, lib.cmark_parser_get_syntax_extensions(parser))
            try:
                return bytes(ffi.string(raw))
            finally:
                _FREE(int(ffi.cast("uintptr_t", raw)))
        finally:
            _NODE_FREE(int(ffi.cast("uintptr_t", root)))
    finally:
        lib.cmark_parser_free(parser)


def measure(text: str, depth_limit: int) -> int | None:
    """The size in bytes of the HTML cmark-gfm makes of `text` (before sanitising), or None when its
    quotes and lists nest more than `depth_limit` levels deep: content/markdown_limits.py's exact
    check, for the few texts its quick look can't clear. Parsing is linear in the text; what
    is costly is what comes after (nh3 and the plain-text pass took 0.35 s on 10,000 nested
    quotes, once per page and feed that shows them), so that is never reached."""
    found = _raw_html(text, depth_limit)
    return len(found) if found else None


_ITER_NEW, _ITER_NEXT, _ITER_NODE, _ITER_FREE, _NODE_TYPE, _TYPE_NAME = (
    _CMARK.cmark_iter_new, _CMARK.cmark_iter_next, _CMARK.cmark_iter_get_node, _CMARK.cmark_iter_free,
    _CMARK.cmark_node_get_type, _CMARK.cmark_node_get_type_string)
for _function, _result in ((_ITER_NEW, ctypes.c_void_p), (_ITER_NEXT, ctypes.c_int), (_ITER_NODE, ctypes.c_void_p),
                           (_ITER_FREE, None), (_NODE_TYPE, ctypes.c_int), (_TYPE_NAME, ctypes.c_char_p)):
    _function.argtypes, _function.restype = [ctypes.c_void_p], _result
_ENTER, _EXIT = 2, 3  # cmark_event_type


def _nesting(root: int, limit: int) -> int:
    """How deep block quotes and lists nest under `root`, counted until it passes `limit`."""
    nested = _nesting_types()
    depth = deepest = 0
    walk = _ITER_NEW(root)
    try:
        while deepest <= limit:
            event = _ITER_NEXT(walk)
            if event not in (_ENTER, _EXIT):
                break
            if _NODE_TYPE(_ITER_NODE(walk)) in nested:
                depth += 1 if event == _ENTER else -1
                deepest = max(deepest, depth)
    finally:
        _ITER_FREE(walk)
    return deepest


@cache
def _nesting_types() -> frozenset[int]:
    """cmark's numbers for block quotes and lists, read off a parsed sample rather than copied
    from its headers."""
    lib, ffi = _cmark.lib, _cmark.ffi
    parser = lib.cmark_parser_new(_OPTIONS)
    sample = b"> - x\n"
    lib.cmark_parser_feed(parser, sample, len(sample))
    root = int(ffi.cast("uintptr_t", lib.cmark_parser_finish(parser)))
    found = set()
    walk = _ITER_NEW(root)
    while _ITER_NEXT(walk) in (_ENTER, _EXIT):
        node = _ITER_NODE(walk)
        if _TYPE_NAME(node) in (b"block_quote", b"list"):
            found.add(_NODE_TYPE(node))
    _ITER_FREE(walk)
    _NODE_FREE(root)
    lib.cmark_parser_free(parser)
    return frozenset(found)


class _PlainText(HTMLParser):
    """Sanitised HTML back to readable text: bullets for list items, link targets in brackets."""

    BLOCKS = {"p", "li", "h3", "h4", "h5", "h6", "tr", "pre", "blockquote", "br", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.parts.append("- ")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.href:
            self.parts.append(f" ({self.href})")
            self.href = None
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@lru_cache(maxsize=8192)
def plain_text(markdown_text: str) -> str:
    """Markdown as a calendar app or a Statuspage client shows it: plain text, no ** or []().
    Kept per text (HTML parsing is slow, in Python): the API lists the same updates in every
    language that falls back to the default, and the preview produces the API after every edit."""
    parser = _PlainText()
    parser.feed(render_markdown(markdown_text))
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)
