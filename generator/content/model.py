"""Stage 3, model: validated data turned into frozen, typed objects the renderer can trust.

The vocabularies follow Atlassian Statuspage's, so operators and API clients already know them.
Nothing here checks input: `validate` has already reported every problem, so building the model
from valid data cannot fail.

The model of 50,000 incidents lives in the build's process and, read by every forked render
worker, in a copy per worker (CPython writes a reference count on each object it reads), so it
is kept small: objects have slots rather than a dict, and repeated short texts are one object.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from generator.clock import parse_time
from generator.content.load import ContentFiles
from generator.content.yamlfile import Document

T = TypeVar("T")

COMPONENT_STATUSES = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
IMPACTS = ("none", "minor", "major", "critical")
CHANNELS = ("app", "web", "branch", "call_center", "atm", "messenger")


def severity(status: str) -> int:
    """Rank of a component status, so 'worst of' is a max()."""
    return COMPONENT_STATUSES.index(status)


class _Pickled:
    """A model object the content cache stores, pickled as its class and field values: unpickling
    then calls the class, a third faster than the slots dataclass's own __setstate__ (reading the
    cache of 10,000 incidents: 0.41 -> 0.29 s)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        names: tuple[str, ...] = self.__slots__
        return type(self), tuple(getattr(self, name) for name in names)


@dataclass(frozen=True, slots=True)
class Text(_Pickled):
    """A text in one or more languages; missing languages fall back to the site's default.

    `flat` holds language and text alternately, ("en", "…", "ko", "…"): a pair per language cost
    two more tuples per text, 35 MB of the model at 50,000 incidents."""

    flat: tuple[str, ...]

    @classmethod
    def of(cls, raw: Any, default_language: str) -> Text:
        if isinstance(raw, dict):
            flat: list[str] = []
            for language in sorted(raw):  # the keys are the language codes, texts all
                flat += (sys.intern(language), _shared(str(raw[language])))
            return cls(tuple(flat))
        return cls((default_language, _shared(str(raw))))

    def get(self, language: str, default_language: str) -> str:
        """The text in `language`, else in the default language, else the first there is."""
        return self.pick(language, default_language)[0]

    def pick(self, language: str, default_language: str) -> tuple[str, str]:
        """`get`'s text and the language it is in, which a page marks where it is not the page's.
        Scans the texts rather than making a dict of them: pages ask about thirty times each."""
        flat = self.flat
        fallback = ("", "")
        for index in range(0, len(flat), 2):
            if flat[index] == language and flat[index + 1]:
                return flat[index + 1], language
            if flat[index] == default_language and flat[index + 1]:
                fallback = (flat[index + 1], default_language)
        return fallback if fallback[0] else ((flat[1], flat[0]) if flat else ("", language))


SHARED_CHARS = 80


def _shared(value: str) -> str:
    """One object for each short text however often it occurs: the language codes, statuses, ids
    and alternatives ("call the customer center") of 10,000 incidents were half the model's
    strings (30 MB), each occurrence its own copy."""
    return sys.intern(value) if len(value) <= SHARED_CHARS else value


def _text(raw: Any, lang: str) -> Text | None:
    return None if raw is None else Text.of(raw, lang)


@dataclass(frozen=True, slots=True)
class Contact:
    label: Text
    phone: str | None = None
    url: str | None = None
    hours: Text | None = None


@dataclass(frozen=True, slots=True)
class Affiliate:
    id: str
    name: Text
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    title: Text
    languages: tuple[str, ...]
    timezone: str
    base_url: str
    theme: str = "default"
    description: Text | None = None
    contacts: tuple[Contact, ...] = ()
    affiliates: tuple[Affiliate, ...] = ()
    update_every_hours: float = 2.0  # how long an open incident may go without an update
    hub: str | None = None  # the WebSub hub the feeds declare (notify.hub)
    history_days: int = 90  # days of availability bars (`availability.days`; docs/availability.md)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Upstream:
    """An external system (a government registry, a messenger platform) services depend on."""

    id: str
    name: Text
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: Text
    group: str
    description: Text | None = None
    depends_on: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: Text
    services: tuple[str, ...]
    affiliate: str | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    upstreams: tuple[Upstream, ...]
    groups: tuple[Group, ...]
    services: tuple[Service, ...]
    by_id: dict[str, Service | Upstream] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({u.id: u for u in self.upstreams})
        self.by_id.update({s.id: s for s in self.services})


@dataclass(frozen=True, slots=True)
class Alternative(_Pickled):
    """What a customer can use instead of an unavailable service, where, and for whom."""

    text: Text
    channels: tuple[str, ...] = ()
    audience: Text | None = None


@dataclass(frozen=True, slots=True)
class Affected(_Pickled):
    target: str
    kind: str
    status: str
    alternatives: tuple[Alternative, ...] = ()


@dataclass(frozen=True, slots=True)
class Tally(_Pickled):
    """'40개 중 38개': how many of a set of systems were restored, as an authority reported it."""

    restored: int
    total: int
    name: Text | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.restored / self.total if self.total else 100.0


@dataclass(frozen=True, slots=True)
class Progress(_Pickled):
    """A recovery report attached to an update: the overall tally and one per tier or group."""

    overall: Tally
    tiers: tuple[Tally, ...] = ()


@dataclass(frozen=True, slots=True)
class Update(_Pickled):
    at: datetime
    status: str
    body: Text
    changes: tuple[tuple[str, str], ...] = ()
    progress: Progress | None = None
    scheduled: bool = False  # `at` is meant to be in the future
    next_update: datetime | None = None  # when the next update is promised
    notify: bool = False  # an edit is sent again as a correction (docs/notify.md)


@dataclass(frozen=True, slots=True)
class Cause(_Pickled):
    upstream: str | None = None
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class Incident(_Pickled):
    id: str
    source: str
    title: Text
    impact: str
    started: datetime
    affected: tuple[Affected, ...]
    updates: tuple[Update, ...]
    cause: Cause | None = None
    not_recovered: tuple[Text, ...] = ()
    origin: str | None = None
    scheduled: bool = False  # `started` is meant to be in the future


@dataclass(frozen=True, slots=True)
class Maintenance(_Pickled):
    id: str
    source: str
    title: Text
    starts: datetime
    ends: datetime
    services: tuple[str, ...]
    body: Text | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class Content:
    site: Site
    catalog: Catalog
    incidents: tuple[Incident, ...]
    maintenance: tuple[Maintenance, ...]


def document_id(doc: Document) -> str:
    """Incidents and maintenance windows are named by their file, so the URL never drifts from the file."""
    return doc.path.name.rsplit(".", 1)[0]


def build_model(files: ContentFiles) -> Content:
    """Turn validated documents into the model; call only after `validate` found no errors."""
    assert files.site is not None and files.services is not None
    site = _site(files.site.data)
    lang = site.default_language
    catalog = _catalog(files.services.data, lang)
    fresh_incidents = [_incident(d, lang) for d in files.incidents]
    fresh_maintenance = [_maintenance(d, lang) for d in files.maintenance]
    incidents = sorted(fresh_incidents + [entry.value for _, _, entry in files.cached["incidents"]],
                       key=incident_order, reverse=True)
    maintenance = sorted(fresh_maintenance + [entry.value for _, _, entry in files.cached["maintenance"]],
                         key=lambda m: (m.starts, m.id))
    return Content(site, catalog, tuple(incidents), tuple(maintenance))


def incident_order(incident: Incident) -> tuple[datetime, str]:
    """The key incidents are sorted by, newest first (reversed): every list of them keeps this order."""
    return (incident.started, incident.id)


def newest_first(kept: Sequence[T], fresh: Iterable[T], incident: Callable[[T], Incident]) -> tuple[T, ...]:
    """`kept` (incidents, or things with one, already newest first) with `fresh` ones put in
    their places: after an edit the preview has 10,000 in order and one to place, and a binary
    search per fresh one is cheaper than sorting them all again."""
    found = list(kept)
    for item in fresh:
        key, low, high = incident_order(incident(item)), 0, len(found)
        while low < high:
            middle = (low + high) // 2
            if incident_order(incident(found[middle])) > key:
                low = middle + 1
            else:
                high = middle
        found.insert(low, item)
    return tuple(found)


def _contacts(raw: list[dict[str, Any]] | None, lang: str) -> tuple[Contact, ...]:
    return tuple(
        Contact(Text.of(c["label"], lang), c.get("phone"), c.get("url"), _text(c.get("hours"), lang))
        for c in raw or ()
    )


def _site(data: dict[str, Any]) -> Site:
    lang = data["languages"][0]
    affiliates = tuple(
        Affiliate(a["id"], Text.of(a["name"], lang), _contacts(a.get("contacts"), lang))
        for a in data.get("affiliates") or ()
    )
    return Site(
        title=Text.of(data["title"], lang), languages=tuple(data["languages"]), timezone=data["timezone"],
        base_url=data["base_url"], theme=data.get("theme", "default"),
        description=_text(data.get("description"), lang), contacts=_contacts(data.get("contacts"), lang),
        affiliates=affiliates, update_every_hours=float(data.get("update_every_hours", 2)),
        hub=(data.get("notify") or {}).get("hub"), history_days=(data.get("availability") or {}).get("days", 90),
    )


def _catalog(data: dict[str, Any], lang: str) -> Catalog:
    upstreams = tuple(
        Upstream(u["id"], Text.of(u["name"], lang), _text(u.get("description"), lang))
        for u in data.get("upstreams") or ()
    )
    groups, services = [], []
    for g in data["groups"]:
        for s in g["services"]:
            services.append(Service(
                s["id"], Text.of(s["name"], lang), g["id"], _text(s.get("description"), lang),
                tuple(s.get("depends_on") or ()), tuple(s.get("channels") or ()),
            ))
        groups.append(Group(g["id"], Text.of(g["name"], lang), tuple(s["id"] for s in g["services"]), g.get("affiliate")))
    return Catalog(upstreams, tuple(groups), tuple(services))


def _alternative(raw: Any, lang: str) -> Alternative:
    if isinstance(raw, dict) and "text" in raw:
        return _one_alternative(Text.of(raw["text"], lang), tuple(map(_shared, raw.get("channels") or ())),
                                _text(raw.get("audience"), lang))
    return _one_alternative(Text.of(raw, lang))


@lru_cache(maxsize=4096)
def _one_alternative(text: Text, channels: tuple[str, ...] = (), audience: Text | None = None) -> Alternative:
    """One object for equal alternatives: incidents offer the same few again and again."""
    return Alternative(text, channels, audience)


def _time(value: str) -> datetime:
    parsed = parse_time(value)
    assert parsed is not None, "validate guarantees times carry a UTC offset"
    return parsed


def _incident(doc: Document, lang: str) -> Incident:
    data = doc.data
    affected = tuple(
        Affected(
            _shared(a.get("service") or a["upstream"]), "service" if "service" in a else "upstream",
            _shared(a["status"]),
            tuple(_alternative(x, lang) for x in a.get("alternatives") or ()),
        )
        for a in data["affected"]
    )
    updates = tuple(
        Update(_time(u["at"]), _shared(u["status"]), Text.of(u["body"], lang),
               tuple((_shared(t), _shared(s)) for t, s in (u.get("services") or {}).items()),
               _progress(u.get("progress"), lang), u.get("scheduled") is True,
               _time(u["next_update"]) if "next_update" in u else None, bool(u.get("notify", False)))
        for u in data["updates"]
    )
    raw_cause = data.get("cause")
    upstream = raw_cause.get("upstream") if raw_cause else None
    cause = Cause(upstream and _shared(upstream), _text(raw_cause.get("description"), lang)) if raw_cause else None
    return Incident(
        id=document_id(doc), source=doc.name, title=Text.of(data["title"], lang), impact=_shared(data["impact"]),
        started=_time(data["started"]), affected=affected, updates=updates, cause=cause,
        not_recovered=tuple(Text.of(t, lang) for t in data.get("not_recovered") or ()), origin=_origin(doc),
        scheduled=data.get("scheduled") is True,
    )


def _progress(raw: dict[str, Any] | None, lang: str) -> Progress | None:
    if raw is None:
        return None
    tiers = tuple(Tally(t["restored"], t["total"], Text.of(t["name"], lang)) for t in raw.get("tiers") or ())
    return Progress(Tally(raw["restored"], raw["total"]), tiers)


def _maintenance(doc: Document, lang: str) -> Maintenance:
    data = doc.data
    return Maintenance(
        id=document_id(doc), source=doc.name, title=Text.of(data["title"], lang),
        starts=_time(data["starts"]), ends=_time(data["ends"]), services=tuple(data["services"]),
        body=_text(data.get("body"), lang), origin=_origin(doc),
    )


def _origin(doc: Document) -> str | None:
    """What an incident or window is wholly made from, beside site.yaml, services.yaml and the code:
    its file, named with the digest of its bytes. Pages and outputs that read the object remember
    it by this (state/fingerprint.py); a changed copy must carry an origin of its own, or none."""
    return f"{doc.name}\0{doc.digest}" if doc.digest else None
