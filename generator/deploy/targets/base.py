"""What every kind of host offers the deploy runner, and the one check that a location is ours.

A target reports what it holds (path → content hash in its own hash scheme), applies a plan,
and reads a file back for verification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from generator.content.names import safe_relative
from generator.deploy.plan import Plan
from generator.errors import NoticeboardError

V = TypeVar("V")

# Proof that a folder or bucket prefix holds a site Noticeboard published: a deploy replaces all
# of it, so a mistyped path must not wipe files someone else put there.
MARKER = ".noticeboard-deploy"
MARKER_TEXT = "This location is published by `noticeboard deploy`; every deploy replaces all of it.\n"


class TargetError(NoticeboardError):
    """One host could not be read or updated; the message says why, without any credential."""


@dataclass(frozen=True)
class Files:
    """What one host is to hold: the built site's files plus that host's own extras (a git
    branch's `.nojekyll` and `CNAME`), each path with its sha256; bytes read on demand."""

    folder: Path
    digests: Mapping[str, str]
    extra: Mapping[str, bytes] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        if path in self.extra:
            return self.extra[path]
        return (self.folder / safe_relative(path)).read_bytes()

    def with_extra(self, extra: Mapping[str, bytes]) -> Files:
        digests = {**self.digests, **{path: hashlib.sha256(data).hexdigest() for path, data in extra.items()}}
        return Files(self.folder, digests, {**self.extra, **extra})


class Target(Protocol):
    def hash(self, sha256: str, read: Callable[[], bytes]) -> str:
        """The hash this host reports for the file with this sha256 (`read` gives its bytes if need be)."""

    def extra(self) -> dict[str, bytes]:
        """Files this host needs beside the site (a git branch's .nojekyll and CNAME)."""

    def state(self) -> dict[str, str | None]:
        """What the host holds now: path → hash, or None where the host can't say."""

    def apply(self, plan: Plan, files: Files) -> str:
        """Carry out the plan; returns a short note for the summary (e.g. the commit made)."""

    def read(self, path: str) -> bytes:
        """One published file, read back from the host."""

    def close(self) -> None:
        """Keep what the next deploy reuses, release temporary files and connections."""


def claim_listing(found: dict[str, V], where: str, remedy: str) -> bool:
    """Whether the listing `found` of a host's location carries our marker (taken out of it, as it
    is not part of the site). A location holding anything else but no marker was not published
    by Noticeboard, and a deploy replaces all of it: TargetError, naming `where` and `remedy`."""
    marked = found.pop(MARKER, None) is not None
    if found and not marked:
        raise TargetError(f"{where} already holds files that Noticeboard did not publish; a deploy replaces all "
                          f"of it, so {remedy}")
    return marked
