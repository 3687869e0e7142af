"""Files the site carries besides its HTML pages: feeds, the JSON API, calendars, badges, host conventions.

Each producer is a plain function (content, snapshot) → {path: bytes}. They are listed here,
in one place, so the renderer, the preview's incremental rebuild and the deploy all see the
same set of outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from generator.derive import Snapshot
from generator.hosting import host_files
from generator.model import Content

if TYPE_CHECKING:
    from generator.machine import Derived

Producer = Callable[[Content, Snapshot], dict[str, bytes]]


def producers(derived: Callable[[Content, Snapshot], Derived] | None = None) -> tuple[Producer, ...]:
    """Every producer, handed one `Derived` maker so the producers of one build share the affiliate
    sections and per-service lists (the preview passes its own, which knows them already)."""
    # Machine-readable outputs are imported here, not at the top: they reuse the renderer's views
    # and page plan, and the renderer imports this registry.
    from generator import api, badges, feeds, ical, sitemap
    from generator.machine import shared_derived

    derived = derived or shared_derived()
    return (host_files, *(partial(produce, derived=derived)
                          for produce in (api.produce, feeds.produce, ical.produce, badges.produce, sitemap.produce)))
