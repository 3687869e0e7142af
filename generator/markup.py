"""Markdown bodies to HTML that is safe to publish.

Notices are pasted in a hurry, sometimes from other systems; whatever they contain, the output
never carries scripts, event handlers or javascript: links. nh3 (an allow-list sanitiser) does
the cleaning, so we never hand-write HTML filtering.
"""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "abbr", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


_CONVERTER = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")


@lru_cache(maxsize=65_536)
def render_markdown(text: str) -> str:
    """Sanitised HTML for one Markdown text; headings are shifted down so the page keeps one h1.

    One converter is reused (building one costs more than converting a short notice); renders
    run one at a time per process, so resetting it between texts is enough.
    """
    html = _CONVERTER.reset().convert(text)
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer")
