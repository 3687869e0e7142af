"""What every machine-readable output (JSON API, feeds, calendar, badges, sitemap) agrees on.

A monitor reading the JSON, a feed reader and a calendar app must see the same words, the same
absolute addresses and the same stable ids, or a customer comparing them would see two stories.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from generator.content.labels import Labels
from generator.content.model import Content, Site, Text
from generator.state.derive import IncidentState, Snapshot, incidents_by_service, last_activity
from generator.state.fingerprint import Print, Prints
from generator.state.history import SiteHistory, site_history
from generator.state.plan import Page, plan_pages, views
from generator.state.record import fingerprint

T = TypeVar("T")


def text(value: Text | None, language: str, content: Content) -> str | None:
    return None if value is None else value.get(language, content.site.default_language)


def absolute(site: Site, path: str) -> str:
    """Feeds, the API and calendars are read away from the site, so their links must be absolute."""
    return site.base_url + path


def tag_uri(site: Site, when: datetime, specific: str) -> str:
    """An RFC 4151 tag: stable across rebuilds and hosts moving, unlike a URL-based id.

    The authority is the base URL's host, the date the day the thing began (in the site's zone),
    and the specific part the base URL's path plus a content id, so two sites on one host differ.
    """
    parts = urlsplit(site.base_url)
    day = when.astimezone(site.tz).date().isoformat()
    return f"tag:{parts.hostname or 'localhost'},{day}:{parts.path or '/'}{specific}"


class Memo:
    """Results of pure functions kept from one production of the outputs to the next.

    The preview produces the outputs again after every edit, and most of what they hold (an
    incident's feed entry, a section's calendar, the sitemap) is the same as last time. A result
    is reused only when the function's arguments equal those it was computed from (the model is
    frozen, so unchanged parts are the same objects and compare at once), so it is exactly what
    computing it again would give. Results not asked for in a production are dropped after it."""

    def __init__(self) -> None:
        self._last: dict[Hashable, tuple[tuple[Any, ...], Any]] = {}
        self._now: dict[Hashable, tuple[tuple[Any, ...], Any]] = {}

    def call(self, key: Hashable, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)`, which must read nothing but its arguments; `key` names the result."""
        found = self._now.get(key) or self._last.get(key)
        if found is None or found[0] != args:
            found = (args, function(*args))
        self._now[key] = found
        return found[1]

    def next_production(self) -> None:
        """Start a production: what the last one used may be reused, anything older is let go."""
        self._last, self._now = self._now, {}


class OutputReuse:
    """A build's answer for its machine outputs: the fingerprint of what each was made from last
    time (`previous`) and now (`made`), and `keep`, which takes a file from the last build into
    the new one. An output is what a pure function makes of its arguments, so they are all it
    reads: the same record as the pages' (state/record.py), with one fact each."""

    def __init__(self, previous: dict[str, Print], prints: Prints, keep: Callable[[str], bool]) -> None:
        self.previous, self.prints, self._keep = previous, prints, keep
        self.made: dict[str, Print] = {}

    def kept(self, paths: Sequence[str], args: tuple[Any, ...]) -> bool:
        """Whether every one of `paths` was taken from the last build, which made it from equal
        `args`; either way each notes what it is made from now, for the next build. Every path
        is asked, so a file that can be kept is, even when another must be made again."""
        found = fingerprint(args, self.prints)
        if found is None:
            return False
        for path in paths:
            self.made[path] = found
        return all([self.previous.get(path) == found and self._keep(path) for path in paths])


class Derived:
    """What several producers read off one model, worked out once instead of once per producer,
    view and language. At 10,000 incidents narrowing every incident to each affiliate's section
    takes about a second, and the API, the feeds and the sitemap all need those sections.

    The preview and the renderer, which know the sections, per-service lists and page plans of
    their pages, hand them in (`views`, `by_service`, `plans`, by section); the preview adds the
    `memo` it keeps between productions, a build the `reuse` that takes outputs from the last
    build (see `made`)."""

    def __init__(self, content: Content, snap: Snapshot, words: Labels,
                 views: list[tuple[str, Content, Snapshot]] | None = None,
                 by_service: dict[str, dict[str, list[IncidentState]]] | None = None,
                 plans: dict[str, list[Page]] | None = None, memo: Memo | None = None,
                 reuse: OutputReuse | None = None) -> None:
        self.content, self.snap, self.words = content, snap, words
        self._views = views
        self._by_service: dict[str, dict[str, list[IncidentState]]] = dict(by_service or {})
        self._plans: dict[str, list[Page]] = dict(plans or {})
        self._activity: dict[str, datetime] = {}
        self.memo = memo or Memo()
        self._reuse = reuse

    def made(self, paths: Sequence[str], key: Hashable, function: Callable[..., dict[str, bytes]],
             *args: Any) -> dict[str, bytes]:
        """The outputs at `paths`, which `function(*args)` makes and which show nothing but
        `args`: nothing when a build takes them all from the last one, else from the memo. The
        memo an output may be handed is how it is made, not what it shows, and is left out of
        what it is made from."""
        if self._reuse is not None and self._reuse.kept(paths, tuple(a for a in args if not isinstance(a, Memo))):
            return {}
        return self.memo.call(key, function, *args)

    @property
    def views(self) -> list[tuple[str, Content, Snapshot]]:
        """`render.views`: the group at the root, then each affiliate's section."""
        if self._views is None:
            self._views = views(self.content, self.snap)
        return self._views

    def by_service(self, section: str = "") -> dict[str, list[IncidentState]]:
        """`incidents_by_service` of the view under `section` (the group's by default)."""
        if section not in self._by_service:
            _, content, snap = next(view for view in self.views if view[0] == section)
            self._by_service[section] = incidents_by_service(content, snap)
        return self._by_service[section]

    def plan(self, section: str = "") -> list[Page]:
        """`render.plan_pages` of the view under `section`: the HTML pages the site has."""
        if section not in self._plans:
            _, content, snap = next(view for view in self.views if view[0] == section)
            self._plans[section] = plan_pages(content, snap, section, self.by_service(section))
        return self._plans[section]

    @property
    def history(self) -> SiteHistory:
        """The availability history the pages show (state/history.py), worked out once per build."""
        return site_history(self.content, self.snap)

    def activity(self, state: IncidentState) -> datetime:
        """`last_activity`, per incident id: an affiliate's narrowed copy has the same updates."""
        found = self._activity.get(state.incident.id)
        if found is None:
            found = self._activity[state.incident.id] = last_activity(state)
        return found


def shared_derived(words: Labels) -> Callable[[Content, Snapshot], Derived]:
    """A `Derived` maker that hands every producer of one build the same object for the same model."""
    last: list[Derived] = []

    def derived(content: Content, snap: Snapshot) -> Derived:
        if not last or last[0].content is not content or last[0].snap is not snap:
            last[:] = [Derived(content, snap, words)]
        return last[0]

    return derived
