"""One notify run: what is new since the outbox's last record → a message per channel that follows
it → written down as due → sent, once a host has verified the page it links to.

`deploy` calls `prepare` before it publishes and `after_deploy` as its last step; `noticeboard
notify` calls `run` alone, and then sends only what a deploy has verified. Nothing is sent in a
dry run and nothing is written: it shows exactly what would go out, per channel.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from generator.clock import parse_time
from generator.content.check import check
from generator.content.model import Content
from generator.content.notify_config import Channel, NotifyConfig, load_notify
from generator.errors import NoticeboardError
from generator.machine.events import PATH as EVENTS_PATH
from generator.notify.messages import compose
from generator.notify.outbox import Due, Outbox, opened
from generator.notify.routing import followed, wants
from generator.notify.send import DeliveryError, Sender, apprise_sender
from generator.notify.web import live_events, ping_hub
from generator.site.theme import bundled_labels
from generator.state.derive import snapshot
from generator.state.events import Event, events

BACKOFF_FIRST, BACKOFF_MOST = 60.0, 3600.0


@dataclass(frozen=True)
class Shown:
    """A message as this run sends it (or would): late when an earlier run found it due."""

    channel: str
    title: str
    body: str
    late: bool
    waiting: bool  # its page is not verified on any host yet


@dataclass
class ChannelResult:
    name: str
    sent: int = 0
    late: int = 0
    waiting: int = 0
    error: str = ""
    retry_at: float | None = None


@dataclass
class Report:
    channels: list[ChannelResult] = field(default_factory=list)
    shown: list[Shown] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.channels if c.error]


@dataclass(frozen=True)
class Preparation:
    """What the live site showed before a deploy replaced it: a machine whose outbox has never
    seen the site takes that as already announced (docs/notify.md)."""

    content_dir: Path
    live: dict[str, str] | None


def prepare(content_dir: Path, dry_run: bool = False) -> Preparation | None:
    """Called before a deploy publishes; None when the site has no channels."""
    config = load_notify(content_dir)
    if config is None or not config.channels:
        return None
    with opened(config.outbox, dry_run) as box:
        seen = box.seen_site
    if seen:
        return Preparation(content_dir, None)
    site = check(content_dir).content.site
    return Preparation(content_dir, live_events(site.base_url))


def after_deploy(preparation: Preparation | None, paths: Collection[str], read: Callable[[str], bytes],
                 verified: bool, dry_run: bool, environ: Mapping[str, str] | None = None,
                 sender: Sender | None = None) -> Report | None:
    """The deploy's last step: with `verified` (a host holds the site's `paths` and read them back),
    send what is due about that site (`read` gives its files); ping the WebSub hub about the feeds
    that changed."""
    if preparation is None:
        return None
    as_of = _as_of(paths, read)
    published = set(paths) if verified or dry_run else set()
    return run(preparation.content_dir, as_of, published=published, dry_run=dry_run, live=preparation.live,
               environ=environ, sender=sender, respect_backoff=False, ping=not dry_run and verified)


def _as_of(paths: Collection[str], read: Callable[[str], bytes]) -> datetime:
    """The moment the deployed site's state is as of (its last change), from its own event list."""
    raw = read(EVENTS_PATH) if EVENTS_PATH in paths else None
    if raw is None:
        raise NoticeboardError(f"the site has no {EVENTS_PATH}, so notify can't tell what it shows; hint: build "
                               "it again with this version of Noticeboard")
    moment = parse_time(json.loads(raw)["as_of"])
    assert moment is not None, "the build writes as_of with its offset"
    return moment


def run(content_dir: Path, now: datetime, *, published: set[str] | None = None, dry_run: bool = False,
        notify_edits: bool = False, live: dict[str, str] | None = None, environ: Mapping[str, str] | None = None,
        sender: Sender | None = None, respect_backoff: bool = True, ping: bool = False) -> Report:
    """Find what is due as of `now`, write it down, send what a host has verified. `published`
    holds the site paths a deploy just verified; without it, only messages an earlier deploy
    verified go out. `live` is what the live site listed, for a machine new to this site."""
    config = load_notify(content_dir)
    report = Report()
    if config is None or not config.channels:
        return report
    content = check(content_dir).content
    current = {e.key: e for e in events(content, snapshot(content, now))}
    environ = os.environ if environ is None else environ
    send = sender or apprise_sender(environ, content.site.base_url)
    with opened(config.outbox, dry_run) as box:
        state = _State(box, config, content, current, run_id=uuid.uuid4().hex, dry_run=dry_run)
        if not box.seen_site:
            report.notes.append(state.baseline(live))
        state.forget_channels()
        new = state.find_due(notify_edits)
        if published is not None:
            state.publish(published, new)
        for channel in config.channels:
            report.channels.append(state.deliver(channel, send, report, respect_backoff))
        if not dry_run:
            box.compact(current)
    if ping and config.hub:
        report.notes += _ping(config, content, [current[key] for key in new])
    return report


class _State:
    """One run's view of the outbox: in a dry run, what it would write is kept here instead."""

    def __init__(self, box: Outbox, config: NotifyConfig, content: Content, current: dict[str, Event],
                 run_id: str, dry_run: bool) -> None:
        self.box, self.config, self.content, self.current = box, config, content, current
        self.run_id, self.dry_run = run_id, dry_run
        self.pending: dict[str, Due] = dict(box.pending)
        self.known: dict[str, str] = dict(box.known)

    def baseline(self, live: dict[str, str] | None) -> str:
        """First run for this site on this machine: what the live site lists was announced by
        whoever published it; when the live site can't be read, everything shown now is taken as
        announced. Either way no old update is sent."""
        if live is not None:
            taken, note = live, (f"first run on this machine: the {len(live)} events the live site lists are taken as "
                                 "already announced")
        else:
            taken = {key: event.revision for key, event in self.current.items()}
            note = (f"first run on this machine and the live site's {EVENTS_PATH} could not be read: the "
                    f"{len(taken)} events the site shows now are taken as already announced; later ones will be sent")
        self.known.update(taken)
        if not self.dry_run:
            self.box.remember(taken)
        return note

    def forget_channels(self) -> None:
        """Messages owed to a channel no longer in site.yaml are let go."""
        names = {c.name for c in self.config.channels}
        for due in [d for d in self.pending.values() if d.channel not in names]:
            del self.pending[due.id]
            if not self.dry_run:
                self.box.drop(due, "the channel was removed from site.yaml")

    def find_due(self, notify_edits: bool) -> list[str]:
        """The events that are news (never shown, or edited where an edit is news), each written
        down as due for every channel that follows it, before anything is sent."""
        news = [e for e in self.current.values() if self._is_news(e, notify_edits)]
        edits = {key: e.revision for key, e in self.current.items() if self.known.get(key) not in (None, e.revision)}
        follows = [followed(c, self.content) for c in self.config.channels]
        due: list[Due] = []
        words = bundled_labels()
        for event in news:
            for follow in follows:
                if not wants(follow, event, self.content):
                    continue
                channel = follow.channel
                replaced = self._supersede(channel.name, event.key)
                correction = event.key in self.known and not replaced
                message = compose(event, self.content, words, channel.languages, _now_in(self.content), correction)
                due.append(Due(f"{channel.name}|{event.key}|{event.revision}", channel.name, event.key, self.run_id,
                               time.time(), message))
        remembered = {**edits, **{e.key: e.revision for e in news}}
        self.known.update(remembered)
        self.pending.update((d.id, d) for d in due)
        if not self.dry_run:
            self.box.owe(due)
            self.box.remember(remembered)
        return [e.key for e in news]

    def _is_news(self, event: Event, notify_edits: bool) -> bool:
        before = self.known.get(event.key)
        if before is None:
            return True
        return before != event.revision and (event.asked or notify_edits)

    def _supersede(self, channel: str, key: str) -> bool:
        """A message still owed about an event that was edited since goes out as the edited one."""
        stale = [d for d in self.pending.values() if d.channel == channel and d.event == key]
        for due in stale:
            del self.pending[due.id]
            if not self.dry_run:
                self.box.drop(due, "superseded by an edit")
        return bool(stale)

    def publish(self, published: set[str], new: list[str]) -> None:
        """Messages whose pages a host has verified may go out; those about a notice that was
        removed never will, as their link would lead nowhere."""
        subjects = {i.id for i in self.content.incidents} | {m.id for m in self.content.maintenance}
        ready = []
        for due in list(self.pending.values()):
            if due.event.split("/")[1] not in subjects:
                del self.pending[due.id]
                if not self.dry_run:
                    self.box.drop(due, "the notice was removed")
            elif set(due.message.pages) <= published:
                ready.append(due.id)
                self.pending[due.id] = _published(due)
        if not self.dry_run:
            self.box.publish(ready)

    def deliver(self, channel: Channel, send: Sender, report: Report, respect_backoff: bool) -> ChannelResult:
        """The channel's messages in the order they fell due; the first failure stops the channel
        for this run, so a later message never overtakes an earlier one."""
        result = ChannelResult(channel.name)
        owed = [d for d in self.pending.values() if d.channel == channel.name]
        retry_at = self._retry_at(channel.name) if respect_backoff else None
        for due in owed:
            late = due.run != self.run_id
            title, body = (due.message.late_title, due.message.late_body) if late else (due.message.title,
                                                                                        due.message.body)
            waiting = not due.published or retry_at is not None or bool(result.error)
            if self.dry_run or waiting:
                report.shown.append(Shown(channel.name, title, body, late, not due.published))
                result.waiting += 1
                continue
            try:
                send(channel, title, body)
            except DeliveryError as exc:
                result.error = str(exc)
                self.box.failed(channel.name, result.error)
                result.waiting += 1
                continue
            self.box.sent(due)
            report.shown.append(Shown(channel.name, title, body, late, False))
            result.sent += 1
            result.late += late
        result.retry_at = retry_at
        return result

    def _retry_at(self, channel: str) -> float | None:
        count, last = self.box.failures.get(channel, (0, 0.0))
        if not count:
            return None
        at = last + min(BACKOFF_FIRST * 2 ** (count - 1), BACKOFF_MOST)
        return at if at > time.time() else None


def _published(due: Due) -> Due:
    return replace(due, published=True)


def _now_in(content: Content) -> datetime:
    return datetime.now(content.site.tz)


def _ping(config: NotifyConfig, content: Content, news: list[Event]) -> list[str]:
    """WebSub: the site's feeds in every language and section, and the feeds of the services the
    new incident updates touch."""
    from generator.state.derive import services_hit_by, services_via
    from generator.state.plan import language_prefix

    incidents = {e.subject for e in news if e.key.startswith("incident/")}
    if not incidents or config.hub is None:
        return []
    via = services_via(content)
    services = {s for i in content.incidents if i.id in incidents for s in services_hit_by(i, via)}
    sections = [""] + [f"{a.id}/" for a in content.site.affiliates]
    topics = []
    for language in content.site.languages:
        prefix = language_prefix(content, language)
        stems = [f"{prefix}{section}feeds/incidents" for section in sections]
        stems += [f"{prefix}feeds/services/{service}" for service in sorted(services)]
        topics += [f"{content.site.base_url}{stem}.{kind}" for stem in stems for kind in ("atom", "rss")]
    error = ping_hub(config.hub, topics)
    return [f"WebSub hub not told of the new updates: {error}" if error else
            f"WebSub hub told of {len(topics)} updated feeds"]
