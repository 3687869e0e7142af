"""What `noticeboard new` names a notice, and which existing notice it would repeat.

A notice's file name is its public URL and must be plain ASCII, so a Korean title gives no name:
it used to become `notice`, and a second one silently `notice-2`, a second public incident for
the same outage. The name now comes from the title when it is written in ASCII, else from the
affected services, else the operator is asked for `--id`. And a notice for the same services on
the same day, or with the same name, is refused with the file it would repeat, unless the
operator says it is meant to be separate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.content.model import Content
from generator.errors import NoticeboardError

MAX_SLUG = 40


@dataclass(frozen=True)
class Existing:
    """A notice already in content/, as `new` compares it: its file, day and services."""

    source: str
    id: str
    day: date
    services: frozenset[str]


def slug_for(title: str, services: Sequence[str], given: str | None) -> str:
    """The part of the file name after the date: `--id`, else the title if it is written in
    ASCII, else the affected services, else whatever ASCII the title has; refused if none."""
    if given:
        return given
    from_title = _slug(title)
    if from_title and all(character.isascii() for character in title if character.isalnum()):
        return from_title
    from_services = _slug("-".join(services))
    if from_services or from_title:
        return from_services or from_title
    raise NoticeboardError(f"the title '{title}' has no letters a-z or digits to name the file by; hint: give "
                           "--id SLUG (e.g. --id app-login), or --service ID to name it after the affected service")


def _slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens, cut at a word's end within MAX_SLUG characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else slug[:MAX_SLUG]
    return slug.strip("-")


def incidents_of(content: Content) -> list[Existing]:
    tz = content.site.tz
    return [Existing(i.source, i.id, i.started.astimezone(tz).date(),
                     frozenset(a.target for a in i.affected if a.kind == "service")) for i in content.incidents]


def windows_of(content: Content) -> list[Existing]:
    tz = content.site.tz
    return [Existing(m.source, m.id, m.starts.astimezone(tz).date(), frozenset(m.services))
            for m in content.maintenance]


def refuse_repeats(existing: Iterable[Existing], day: date, services: Sequence[str], slug: str, kind: str) -> None:
    """NoticeboardError naming the notice a new one on `day` would repeat: one for the same services
    that day, or one with the same name; nothing if there is none."""
    wanted = f"{day:%Y-%m-%d}-{slug}"
    for notice in existing:
        same_services = bool(services) and notice.day == day and notice.services == frozenset(services)
        if notice.id == wanted or (notice.id.startswith(wanted + "-") and notice.id[len(wanted) + 1:].isdigit()) \
                or same_services:
            follow = (f"post to it with `noticeboard update {notice.id} --body …`" if kind == "incident"
                      else f"edit {Path(notice.source).name}")
            if same_services:
                raise NoticeboardError(f"{notice.source} is already about {', '.join(sorted(notice.services))} that "
                                       f"day, so a new {kind} would tell customers of it twice; hint: {follow}, or "
                                       f"give --separate if this is another {kind}")
            raise NoticeboardError(f"{notice.source} already has that name; hint: {follow}, or if this is another "
                                   f"{kind}, name it with --id (or give --separate to number it)")
