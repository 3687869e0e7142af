"""`notify/events.json`: the events the site shows (state/events.py), so that a machine that has
never sent anything for this site can tell what its followers were already told: whatever the
live site lists was announced by whoever published it (docs/notify.md).

Written for the whole group at the root only, in no language: keys and revisions, no texts.
"""

from __future__ import annotations

import json

from generator.clock import iso
from generator.content.model import Site
from generator.machine.derived import Derived
from generator.state.events import HORIZON, Event, events

PATH = "notify/events.json"


def produce(model: Derived) -> dict[str, bytes]:
    site, as_of = model.content.site, model.snap.as_of
    return model.made([PATH], "events", _document, site, iso(as_of, site.tz), iso(as_of - HORIZON, site.tz),
                      events(model.content, model.snap))


def _document(site: Site, as_of: str, since: str, found: tuple[Event, ...]) -> dict[str, bytes]:
    """`as_of` is when the site's state last changed (the same state as at the build's `--now`,
    without making every build's list differ); an event before `since` is not listed and counts
    as sent."""
    document = {"as_of": as_of, "since": since, "events": {e.key: e.revision for e in found}}
    return {PATH: json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")}
