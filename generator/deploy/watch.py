"""`noticeboard deploy --watch`: the resident publisher.

In a crisis the figure that matters is the time from saving an update to every host serving it.
A new `deploy` process spends most of that loading 10,000 notices and planning 24,000 pages
before it has read the edit, so this one stays running: it keeps the checked site in memory as
the preview does (resident/site.py), and on each save (debounced) and at each moment the site
changes by itself (a notice's time coming, a window opening or closing) it re-reads only what
changed, renders only the pages that read it, publishes to every host side by side, verifies,
tells the followers (notify/), and prints one line per host.

A save with a problem publishes nothing: the problems are printed at file:line and every host
keeps the last good site.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import TextIO

from generator.content.deploy_config import TargetConfig
from generator.deploy.run import Outcome, Publishing, deploy_all
from generator.deploy.targets.base import Files
from generator.errors import ContentError, NoticeboardError
from generator.notify import after_deploy, prepare
from generator.notify.command import print_report
from generator.resident.site import IncrementalSite
from generator.resident.ticker import Ticker
from generator.resident.watch import Watcher


class Publisher:
    """The site in memory and every host; `publish` brings the hosts up to date with the files."""

    def __init__(self, site: IncrementalSite, configs: tuple[TargetConfig, ...], publishing: Publishing,
                 out: TextIO = sys.stdout) -> None:
        self.site, self.configs, self.publishing, self.out = site, configs, publishing, out
        self.lock = threading.Lock()
        self._digests: dict[str, tuple[bytes, str]] = {}

    def publish(self, changed: Collection[Path] | None = None) -> list[Outcome] | None:
        """Rebuild from the `changed` files (None: everything) and publish; None when the content
        has a problem, and nothing was published."""
        with self.lock:
            started = time.perf_counter()
            try:
                result = self.site.rebuild(changed)
            except (ContentError, NoticeboardError) as exc:
                self.say(f"{exc.report() if isinstance(exc, ContentError) else exc}\n"
                          "nothing published: every host keeps the last good site; save again once fixed")
                return None
            for warning in result.warnings:
                self.say(warning.format())
            files = self._files()
            notify = prepare(self.site.root)
            outcomes = deploy_all(self.configs, files, False, self.publishing, self._line)
            self.say(_closing(outcomes, time.perf_counter() - started))
            report = after_deploy(notify, files.digests.keys(), files.read, any(o.ok and o.verified for o in outcomes),
                                  False)
            if report is not None:
                print_report(report, False)
            return outcomes

    def _files(self) -> Files:
        """Every file of the site in memory with its sha256, hashed again only for bytes that changed
        (a page the rebuild kept is the very same bytes object)."""
        data = self.site.files()
        digests: dict[str, str] = {}
        known = self._digests
        for path, payload in data.items():
            found = known.get(path)
            if found is None or found[0] is not payload:
                found = known[path] = (payload, hashlib.sha256(payload).hexdigest())
            digests[path] = found[1]
        for gone in set(known) - set(data):
            del known[gone]
        return Files(digests, data.__getitem__)

    def _line(self, outcome: Outcome) -> None:
        """One line per host as it finishes."""
        if not outcome.ok:
            self.say(f"  {outcome.name}: FAILED: {outcome.error}")
            return
        plan = outcome.plan
        sent = f"{plan.summary()}" if plan is not None else ""
        self.say(f"  {outcome.name}: {sent}; {outcome.note}, verified {outcome.verified} files")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _closing(outcomes: list[Outcome], seconds: float) -> str:
    failed = [o.name for o in outcomes if not o.ok]
    if failed:
        return (f"published in {seconds:.1f} s, but {len(failed)} of {len(outcomes)} hosts failed "
                f"({', '.join(failed)}); they are tried again at the next save or change")
    return f"published in {seconds:.1f} s: every host verified"


def watch(publisher: Publisher, stop: threading.Event, wait: Callable[[], None] | None = None) -> None:
    """Publish once, then after each save and at each moment the site changes by itself, until
    `stop` is set (the command sets it on Ctrl-C)."""
    site = publisher.site
    publisher.publish()
    watcher = Watcher(lambda changed: _again(publisher, ticker, watcher, changed))
    ticker = Ticker(site.clock, lambda: _again(publisher, ticker, watcher, set()))
    watcher.start([site.root, *site.theme_roots])
    ticker.arm(_ahead(site))
    ticker.start()
    publisher.say("watching for saves (Ctrl-C to stop)")
    try:
        (wait or stop.wait)()
    finally:
        watcher.stop()
        ticker.stop()


def _again(publisher: Publisher, ticker: Ticker, watcher: Watcher, changed: set[Path]) -> None:
    publisher.publish(changed)
    watcher.watch([publisher.site.root, *publisher.site.theme_roots])  # site.yaml may name another theme
    ticker.arm(_ahead(publisher.site))


def _ahead(site: IncrementalSite) -> datetime | None:
    moment = site.next_change
    return moment if moment is not None and moment > site.clock() else None
