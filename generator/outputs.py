"""Files the site carries besides its HTML pages: feeds, the JSON API, calendars, badges, host conventions.

Each producer is a plain function (content, snapshot) → {path: bytes}. They are listed here,
in one place, so the renderer, the preview's incremental rebuild and the deploy all see the
same set of outputs.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.derive import Snapshot
from generator.hosting import host_files
from generator.model import Content

Producer = Callable[[Content, Snapshot], dict[str, bytes]]


def producers() -> tuple[Producer, ...]:
    # Machine-readable outputs are imported here, not at the top: they reuse the renderer's views
    # and page plan, and the renderer imports this registry.
    from generator import api, badges, feeds, ical, sitemap

    return (host_files, api.produce, feeds.produce, ical.produce, badges.produce, sitemap.produce)
