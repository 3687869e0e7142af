"""Read every file a build produced in its own format and list anything a browser, feed reader or
calendar could execute. Files are picked by what they are, not from a list of known outputs, so
an output added later (another feed, a new JSON file) is checked without touching the tests.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any

import icalendar

# Elements that run code or change where the page loads from; none belongs in a status page.
ACTIVE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "portal",
                   "foreignobject", "handler", "listener", "set", "animate"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
                  "ping", "lowsrc", "dynsrc", "codebase", "cite"}
SAFE_DATA_URLS = {"data:,"}  # the widget's empty favicon: no content, so nothing to run
BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|livescript|mocha)\s*:", re.IGNORECASE)
# iCalendar properties a maintenance calendar may carry (RFC 5545 and common X- names).
ICS_PROPERTIES = {"BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "UID", "DTSTAMP", "DTSTART", "DTEND",
                  "SUMMARY", "DESCRIPTION", "URL", "STATUS", "LOCATION", "CATEGORIES", "SEQUENCE", "LAST-MODIFIED",
                  "CREATED", "TRANSP", "CLASS", "TZID", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE", "RDATE",
                  "X-WR-CALNAME", "X-WR-CALDESC", "X-WR-TIMEZONE", "X-PUBLISHED-TTL", "REFRESH-INTERVAL",
                  "NAME", "COLOR", "ORGANIZER", "CONTACT", "COMMENT"}


class _Scan(HTMLParser):
    """Elements, attributes and text of an HTML document or fragment, as html.parser tokenises it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, [(k, v or "") for k, v in attrs]))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def scan_html(markup: str) -> _Scan:
    scan = _Scan()
    scan.feed(markup)
    scan.close()
    return scan


def html_findings(markup: str) -> Iterator[str]:
    """Executable markup in an HTML page or fragment."""
    for tag, attrs in scan_html(markup).elements:
        if tag in ACTIVE_ELEMENTS:
            yield f"<{tag}> element"
        if tag == "meta" and any(k == "http-equiv" and v.lower() == "refresh" for k, v in attrs):
            yield "<meta http-equiv=refresh>"
        for name, value in attrs:
            if name.startswith("on"):
                yield f"<{tag} {name}=…> event handler"
            if name in URL_ATTRIBUTES and BAD_SCHEME.match(value) and value not in SAFE_DATA_URLS:
                yield f"<{tag} {name}={value[:40]!r}>"
            if name == "style" and re.search(r"expression\s*\(|url\s*\(\s*['\"]?\s*javascript", value, re.I):
                yield f"<{tag} style={value[:40]!r}>"


def xml_findings(data: bytes) -> Iterator[str]:
    """Executable parts of an XML file (SVG, Atom, RSS, sitemap); HTML carried inside it as text
    (feed entries) is checked as HTML."""
    root = ET.fromstring(data)
    carriers = _html_carriers(root)
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1].lower()
        if local in ACTIVE_ELEMENTS:
            yield f"<{local}> element"
        for name, value in element.attrib.items():
            attr = name.rsplit("}", 1)[-1].lower()
            if attr.startswith("on"):
                yield f"<{local} {attr}=…> event handler"
            if attr in URL_ATTRIBUTES and BAD_SCHEME.match(value):
                yield f"<{local} {attr}={value[:40]!r}>"
        if element.text and element in carriers:
            yield from (f"in <{local}> text: {finding}" for finding in html_findings(element.text))


def _html_carriers(root: ET.Element) -> list[ET.Element]:
    """Elements whose text readers may render as HTML: Atom's type="html" ones, and in RSS, which
    never says, every title and description (feedparser takes a title holding `<img …>` for HTML).
    Other texts (Atom's plain ones, SVG text) are plain text, where escaped markup is harmless."""
    typed = [e for e in root.iter() if e.get("type") == "html"]
    rss = [e for channel in root.iter("channel") for e in channel.iter()
           if e.tag.rsplit("}", 1)[-1] in ("title", "description", "encoded")]
    return typed + rss


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def json_findings(data: bytes) -> Iterator[str]:
    """JSON carries texts as plain strings (clients escape them); only fields meant as HTML are checked as HTML."""
    for key, value in _strings(json.loads(data)):
        if key.lower().endswith("html"):
            yield from (f"in {key!r}: {finding}" for finding in html_findings(value))


def ics_findings(data: bytes) -> Iterator[str]:
    """A line break in a title must not start a new property (an injected ATTACH, a VALARM)."""
    icalendar.Calendar.from_ical(data)
    unfolded = re.sub(rb"\r\n[ \t]", b"", data).decode("utf-8")
    for line in unfolded.split("\r\n"):
        name = re.split(r"[;:]", line, maxsplit=1)[0]
        if line and name not in ICS_PROPERTIES:
            yield f"unexpected calendar line {line[:60]!r}"


def findings(path: str, data: bytes) -> list[str]:
    """Everything executable in one output file, read according to what the file is."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in (".html", ".htm"):
        found = list(html_findings(data.decode("utf-8")))
    elif suffix in (".svg", ".xml", ".atom", ".rss") or data.lstrip().startswith(b"<?xml"):
        found = list(xml_findings(data))
    elif suffix == ".json":
        found = list(json_findings(data))
    elif suffix == ".ics":
        found = list(ics_findings(data))
    else:
        data.decode("utf-8")  # every other output is text (CSS, robots.txt, _headers): it must at least decode
        found = []
    return [f"{path}: {finding}" for finding in found]


def visible_text(path: str, data: bytes) -> str:
    """What a reader of this file sees as text (HTML text nodes, XML text, JSON strings, calendar values)."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in (".html", ".htm"):
        return " ".join(scan_html(data.decode("utf-8")).text)
    if suffix in (".svg", ".xml", ".atom", ".rss"):
        return " ".join(ET.fromstring(data).itertext())
    if suffix == ".json":
        return " ".join(value for _, value in _strings(json.loads(data)))
    return data.decode("utf-8", errors="replace")
