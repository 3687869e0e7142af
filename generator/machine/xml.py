"""XML as feeds, badges and the sitemap write it: escaped text and attributes, indented elements.

They are written as strings: building and serialising an element tree cost more than everything
else they do. Control characters are left out, since XML 1.0 cannot carry them even escaped.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def strip_controls(value: str) -> str:
    """YAML accepts escapes like "\\x07"; XML 1.0 cannot carry them even escaped, and iCalendar
    TEXT forbids them, so one stray control character would make a whole feed unreadable."""
    return _CONTROLS.sub("", value)


XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;",
                                    "\n": "&#10;", "\t": "&#09;"})


def xml_text(value: str) -> str:
    """Character data, escaped as ElementTree escapes it. Feeds, badges and the sitemap are written
    as strings: building and serialising an element tree cost more than everything else they do."""
    return strip_controls(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attributes(attributes: dict[str, str] | None) -> str:
    """` name="value"` for each, in the order given, escaped as ElementTree escapes attributes."""
    return "".join(f' {name}="{strip_controls(value).translate(_ATTRIBUTE_ESCAPES)}"'
                   for name, value in (attributes or {}).items())


def xml_leaf(tag: str, body: str | None = None, attributes: dict[str, str] | None = None) -> str:
    """One element without children, `<tag a="v">body</tag>`, or `<tag a="v" />` when it has no text."""
    attrs = xml_attributes(attributes)
    return f"<{tag}{attrs}>{xml_text(body)}</{tag}>" if body else f"<{tag}{attrs} />"


def xml_block(tag: str, depth: int, children: list[str], attributes: dict[str, str] | None = None) -> str:
    """An element holding `children` (each already written), indented as ElementTree.indent does."""
    if not children:
        return f"<{tag}{xml_attributes(attributes)} />"
    inner = "\n" + " " * (depth + 2)
    return f"<{tag}{xml_attributes(attributes)}>{inner}{inner.join(children)}\n{' ' * depth}</{tag}>"
