"""Files the site carries besides its HTML pages: feeds, the JSON API, calendars, badges, host conventions.

Each producer is a plain function (content, snapshot) → {path: bytes}. They are listed here,
in one place, so the renderer, the preview's incremental rebuild and the deploy all see the
same set of outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from generator.derive import Snapshot
from generator.hosting import host_files
from generator.model import Content

Producer = Callable[[Content, Snapshot], dict[str, bytes]]


def producers() -> tuple[Producer, ...]:
    # Machine-readable outputs are imported here, not at the top: they reuse the renderer's views
    # and page plan, and the renderer imports this registry.
    from generator import api, badges, feeds, ical, sitemap
    from generator.machine import shared_derived

    derived = shared_derived()  # so the producers of one build share the affiliate sections and per-service lists
    return (host_files, *(partial(produce, derived=derived)
                          for produce in (api.produce, feeds.produce, ical.produce, badges.produce, sitemap.produce)))
