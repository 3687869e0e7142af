"""Markdown bodies to HTML that is safe to publish.

Notices are pasted in a hurry, sometimes from other systems; whatever they contain, the output
never carries scripts, event handlers or javascript: links. nh3 (an allow-list sanitiser) does
the cleaning, so we never hand-write HTML filtering.

The parser is markdown-it-py (CommonMark), which runs in time linear in its input and caps
nesting: Python-Markdown took minutes on 20 KB of "[a" and overflowed the stack on 2 KB of
"- - - …", and a notice pasted in a hurry must never hang or crash a build.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "abbr", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
# Links with any scheme become links here; nh3 then drops every href outside URL_SCHEMES, so one
# allow-list decides, and a javascript: link turns into its plain words rather than Markdown source.
_PARSER.validateLink = lambda url: True


@lru_cache(maxsize=65_536)
def render_markdown(text: str) -> str:
    """Sanitised HTML for one Markdown text; headings are shifted down so the page keeps one h1.

    One parser is reused (building one costs more than converting a short notice); it keeps no
    state between texts. Raw HTML is let through to nh3, which keeps only the allowed tags.
    """
    html = _PARSER.render(text)
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer")
