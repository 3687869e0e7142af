"""Atom and RSS 2.0 feeds of incidents and their updates: site-wide, per service, per language.

One entry per incident, as Statuspage's feeds do: its content is every update published so far
(newest first), its `updated` the newest of them, so a reader sees the incident move without a
flood of entries. Entry ids are tag: URIs derived from the incident's id, stable across rebuilds.
Feeds stop at the latest entries (by last update) so a long history never makes them heavy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from generator.derive import IncidentState, Snapshot
from generator.machine import Derived, absolute, strip_controls, tag_uri, text, word
from generator.markup import render_markdown
from generator.model import Content
from generator.render import language_prefix
from generator.timefmt import format_time, iso

SITE_LIMIT = 50
SERVICE_LIMIT = 20
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
ET.register_namespace("atom", ATOM)


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    html: str


@dataclass(frozen=True)
class Feed:
    title: str
    description: str
    language: str
    link: str
    atom_url: str
    rss_url: str
    updated: datetime
    entries: tuple[Entry, ...]


def produce(content: Content, snap: Snapshot,
            derived: Callable[[Content, Snapshot], Derived] = Derived) -> dict[str, bytes]:
    """`feeds/incidents.{atom,rss}` per language and per affiliate section; `feeds/services/ID.*` per
    service and language (at the root only: a service is the same in every view)."""
    files: dict[str, bytes] = {}
    model = derived(content, snap)
    for section, view_content, view_snap in model.views:
        for language in content.site.languages:
            prefix = language_prefix(content, language) + section
            title = f"{text(view_content.site.title, language, content)} · {word(language, 'recent_incidents')}"
            files.update(_pair(model, view_content, view_snap, language, prefix, "feeds/incidents", title,
                               f"{prefix}history.html", list(view_snap.incidents), SITE_LIMIT))
    touched = model.by_service()
    for service in content.catalog.services:
        for language in content.site.languages:
            prefix = language_prefix(content, language)
            title = f"{text(service.name, language, content)} · {text(content.site.title, language, content)}"
            files.update(_pair(model, content, snap, language, prefix, f"feeds/services/{service.id}", title,
                               f"{prefix}services/{service.id}.html", touched.get(service.id, []), SERVICE_LIMIT))
    return files


def _pair(model: Derived, content: Content, snap: Snapshot, language: str, prefix: str, stem: str, title: str, page: str,
          states: list[IncidentState], limit: int) -> dict[str, bytes]:
    newest = sorted(states, key=lambda s: (model.activity(s), s.incident.id), reverse=True)[:limit]
    entries = tuple(_entry(model, content, s, language, prefix) for s in newest)
    description = text(content.site.description, language, content) or title
    feed = Feed(title, description, language, absolute(content, page), absolute(content, f"{prefix}{stem}.atom"),
                absolute(content, f"{prefix}{stem}.rss"), max((e.updated for e in entries), default=snap.now), entries)
    return {f"{prefix}{stem}.atom": atom(feed, content), f"{prefix}{stem}.rss": rss(feed, content)}


def _entry(model: Derived, content: Content, state: IncidentState, language: str, prefix: str) -> Entry:
    incident = state.incident
    return Entry(
        id=tag_uri(content, incident.started, f"{language}/incidents/{incident.id}"),
        title=text(incident.title, language, content) or incident.id,
        link=absolute(content, f"{prefix}incidents/{incident.id}.html"),
        published=incident.started, updated=model.activity(state), html=_content_html(content, state, language),
    )


def _content_html(content: Content, state: IncidentState, language: str) -> str:
    """The current status, then each published update under a heading with its status and time.
    Headings are built as elements and the bodies come from the sanitising Markdown renderer."""
    tz = content.site.tz
    parts = [_element("p", f"{word(language, 'current_status')}: {word(language, 'incident.' + state.status)}")]
    for update in reversed(state.incident.updates[: state.visible_updates]):
        heading = f"{word(language, 'incident.' + update.status)} · {format_time(update.at, tz, language)}"
        parts += [_element("h3", heading), render_markdown(text(update.body, language, content) or "")]
    return "\n".join(parts)


def _element(tag: str, body: str) -> str:
    element = ET.Element(tag)
    element.text = body
    return ET.tostring(element, encoding="unicode", method="html")


def _sub(parent: ET.Element, tag: str, body: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = None if body is None else strip_controls(body)
    return element


def atom(feed: Feed, content: Content) -> bytes:
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: feed.language})
    _sub(root, "id", feed.atom_url)
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.description)
    _sub(root, "updated", iso(feed.updated, content.site.tz))
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.atom_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.link)
    author = _sub(root, "author")
    _sub(author, "name", text(content.site.title, feed.language, content))
    _sub(root, "generator", "Noticeboard")
    for entry in feed.entries:
        item = _sub(root, "entry")
        _sub(item, "id", entry.id)
        _sub(item, "title", entry.title)
        _sub(item, "published", iso(entry.published, content.site.tz))
        _sub(item, "updated", iso(entry.updated, content.site.tz))
        _sub(item, "link", rel="alternate", type="text/html", href=entry.link)
        _sub(item, "content", entry.html, type="html", **{XML_BASE: entry.link})
    return _serialise(root)


def rss(feed: Feed, content: Content) -> bytes:
    """RSS 2.0 has no 'updated': pubDate carries the entry's last update, so readers that sort by
    date show the incident that just moved first; the guid stays the same tag: URI as in Atom."""
    tz = content.site.tz
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", feed.link)
    _sub(channel, "description", feed.description)
    _sub(channel, "language", feed.language)
    _sub(channel, "lastBuildDate", format_datetime(feed.updated.astimezone(tz)))
    _sub(channel, f"{{{ATOM}}}link", rel="self", type="application/rss+xml", href=feed.rss_url)
    _sub(channel, "generator", "Noticeboard")
    for entry in feed.entries:
        item = _sub(channel, "item")
        _sub(item, "title", entry.title)
        _sub(item, "link", entry.link)
        _sub(item, "guid", entry.id, isPermaLink="false")
        _sub(item, "pubDate", format_datetime(entry.updated.astimezone(tz)))
        _sub(item, "description", entry.html)
    return _serialise(root)


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
