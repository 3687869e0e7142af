"""Atom and RSS 2.0 feeds of incidents and their updates: site-wide, per service, per language.

One entry per incident, as Statuspage's feeds do: its content is every update published so far
(newest first), its `updated` the newest of them, so a reader sees the incident move without a
flood of entries. Entry ids are tag: URIs derived from the incident's id, stable across rebuilds.
Feeds stop at the latest entries (by last update) so a long history never makes them heavy.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from generator.clock import format_time, iso
from generator.content.labels import Labels
from generator.content.markup import render_markdown
from generator.content.model import Service, Site
from generator.machine.derived import Derived, Memo, absolute, tag_uri, text
from generator.machine.xml import XML_DECLARATION, xml_block, xml_leaf, xml_text
from generator.state.derive import IncidentState, last_activity
from generator.state.plan import language_prefix

SITE_LIMIT = 50
SERVICE_LIMIT = 20
ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Feed:
    title: str
    description: str
    language: str
    link: str
    atom_url: str
    rss_url: str
    updated: datetime


def produce(model: Derived) -> dict[str, bytes]:
    """`feeds/incidents.{atom,rss}` per language and per affiliate section; `feeds/services/ID.*` per
    service and language (at the root only: a service is the same in every view). A build keeps
    the feeds made from the same incidents' states (`Derived.made`)."""
    files: dict[str, bytes] = {}
    content, snap = model.content, model.snap
    for section, view_content, view_snap in model.views:
        newest = _newest(view_snap.incidents, SITE_LIMIT, model.activity)
        updated = max((model.activity(s) for s in newest), default=view_snap.as_of)
        site = view_content.site
        for language in content.site.languages:
            prefix = language_prefix(content, language) + section
            title = f"{text(site.title, language, content)} · {model.words.word(language, 'recent_incidents')}"
            files.update(model.made(_paths(prefix, "feeds/incidents"), ("site feed", prefix), _pair, model.memo,
                                    model.words, site, updated, language, prefix, "feeds/incidents", title,
                                    f"{prefix}history.html", newest))
    touched = model.by_service()
    for service in content.catalog.services:
        newest = _newest(touched.get(service.id, ()), SERVICE_LIMIT, model.activity)
        updated = max((model.activity(s) for s in newest), default=snap.as_of)
        paths = [path for language in content.site.languages
                 for path in _paths(language_prefix(content, language), f"feeds/services/{service.id}")]
        files.update(model.made(paths, ("service feeds", service.id), _service_feeds, model.memo, model.words,
                                content.site, service, newest, updated))
    return files


def _paths(prefix: str, stem: str) -> list[str]:
    """A feed's two documents, as `_pair` names them."""
    return [f"{prefix}{stem}.atom", f"{prefix}{stem}.rss"]


def _service_feeds(memo: Memo, words: Labels, site: Site, service: Service, newest: tuple[IncidentState, ...],
                   updated: datetime) -> dict[str, bytes]:
    """A service's feeds in every language: the same until an incident that hits it changes."""
    files: dict[str, bytes] = {}
    for language in site.languages:
        prefix = "" if language == site.default_language else f"{language}/"
        default = site.default_language
        title = f"{service.name.get(language, default)} · {site.title.get(language, default)}"
        files.update(_pair(memo, words, site, updated, language, prefix, f"feeds/services/{service.id}", title,
                           f"{prefix}services/{service.id}.html", newest))
    return files


def _newest(states: Iterable[IncidentState], limit: int,
            activity: Callable[[IncidentState], datetime]) -> tuple[IncidentState, ...]:
    """A feed's incidents: the latest `limit` by last update, newest first (the same in every language)."""
    return tuple(heapq.nlargest(limit, states, key=lambda s: (activity(s), s.incident.id)))


def _pair(memo: Memo, words: Labels, site: Site, updated: datetime, language: str, prefix: str, stem: str,
          title: str, page: str, newest: tuple[IncidentState, ...]) -> dict[str, bytes]:
    """A feed's Atom and RSS documents. Most entries of a service's feed are also in the site feed
    or in other services' feeds, so each is written once per language and kept in the memo: the
    preview writes again only those of changed incidents."""
    description = (site.description.get(language, site.default_language) if site.description else None) or title
    feed = Feed(title, description, language, absolute(site, page), absolute(site, f"{prefix}{stem}.atom"),
                absolute(site, f"{prefix}{stem}.rss"), updated)
    written = [memo.call(("feed entry", s.incident.id, language), _entry, words, site, s, language) for s in newest]
    atom_path, rss_path = _paths(prefix, stem)
    return {atom_path: atom(feed, site, [a for a, _ in written]), rss_path: rss(feed, site, [r for _, r in written])}


def _entry(words: Labels, site: Site, state: IncidentState, language: str) -> tuple[str, str]:
    """Atom `published` is the start and `updated` the last update; RSS has no 'updated', so its
    pubDate carries the last update and readers that sort by date show the incident that just
    moved first. The guid is the same tag: URI as the Atom id."""
    incident, tz = state.incident, site.tz
    entry_id = tag_uri(site, incident.started, f"{language}/incidents/{incident.id}")
    title = incident.title.get(language, site.default_language) or incident.id
    prefix = "" if language == site.default_language else f"{language}/"
    link = absolute(site, f"{prefix}incidents/{incident.id}.html")
    updated = last_activity(state)
    html = _html(words, site, state, language)
    atom_entry = xml_block("entry", 2, [
        xml_leaf("id", entry_id), xml_leaf("title", title), xml_leaf("published", iso(incident.started, tz)),
        xml_leaf("updated", iso(updated, tz)),
        xml_leaf("link", attributes={"rel": "alternate", "type": "text/html", "href": link}),
        xml_leaf("content", html, {"type": "html", "xml:base": link})])
    rss_item = xml_block("item", 4, [
        xml_leaf("title", rss_text(title)), xml_leaf("link", link),
        xml_leaf("guid", entry_id, {"isPermaLink": "false"}),
        xml_leaf("pubDate", format_datetime(updated.astimezone(tz))), xml_leaf("description", html)])
    return atom_entry, rss_item


def _html(words: Labels, site: Site, state: IncidentState, language: str) -> str:
    """The current status, then each published update under a heading with its status and time.
    Headings are escaped text and the bodies come from the sanitising Markdown renderer."""
    status = f"{words.word(language, 'current_status')}: {words.word(language, 'incident.' + state.status)}"
    parts = [f"<p>{xml_text(status)}</p>"]
    for update in reversed(state.incident.updates[: state.visible_updates]):
        heading = f"{words.word(language, 'incident.' + update.status)} · {format_time(update.at, site.tz, language)}"
        parts += [f"<h3>{xml_text(heading)}</h3>", render_markdown(update.body.get(language, site.default_language))]
    return "\n".join(parts)


def atom(feed: Feed, site: Site, entries: list[str]) -> bytes:
    tz = site.tz
    author = xml_block("author", 2, [xml_leaf("name", site.title.get(feed.language, site.default_language))])
    children = [
        xml_leaf("id", feed.atom_url), xml_leaf("title", feed.title), xml_leaf("subtitle", feed.description),
        xml_leaf("updated", iso(feed.updated, tz)),
        xml_leaf("link", attributes={"rel": "self", "type": "application/atom+xml", "href": feed.atom_url}),
        xml_leaf("link", attributes={"rel": "alternate", "type": "text/html", "href": feed.link}),
        *_hub(site, "link"), author, xml_leaf("generator", "Noticeboard"), *entries]
    root = xml_block("feed", 0, children, {"xmlns": ATOM, "xml:lang": feed.language})
    return (XML_DECLARATION + root + "\n").encode("utf-8")


def _hub(site: Site, element: str) -> list[str]:
    """WebSub (W3C): the hub a reader may subscribe at, beside the feed's `self` link as its topic;
    each deploy pings the hub, so subscribers hear of an update in seconds (docs/notify.md)."""
    return [xml_leaf(element, attributes={"rel": "hub", "href": site.hub})] if site.hub else []


# RSS 2.0 never says whether a title or a channel's description is text or HTML, and readers
# (feedparser among them) take one holding `<img …>` for HTML with live markup. So these texts
# carry no character that starts markup: <, > and & are written as their fullwidth forms,
# which read the same to a person and the same whichever way a reader takes them.
_MARKUP_FREE = str.maketrans({"<": "\uff1c", ">": "\uff1e", "&": "\uff06"})


def rss_text(text: str) -> str:
    """An RSS title or channel description: plain text without markup-looking content."""
    return text.translate(_MARKUP_FREE)


def rss(feed: Feed, site: Site, items: list[str]) -> bytes:
    channel = xml_block("channel", 2, [
        xml_leaf("title", rss_text(feed.title)), xml_leaf("link", feed.link),
        xml_leaf("description", rss_text(feed.description)),
        xml_leaf("language", feed.language),
        xml_leaf("lastBuildDate", format_datetime(feed.updated.astimezone(site.tz))),
        xml_leaf("atom:link", attributes={"rel": "self", "type": "application/rss+xml", "href": feed.rss_url}),
        *_hub(site, "atom:link"), xml_leaf("generator", "Noticeboard"), *items])
    root = xml_block("rss", 0, [channel], {"xmlns:atom": ATOM, "version": "2.0"})
    return (XML_DECLARATION + root + "\n").encode("utf-8")
