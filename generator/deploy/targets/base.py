"""What every kind of host offers the deploy runner, and the one check that a location is ours.

A target reports what it holds (path → content hash in its own hash scheme), applies a plan,
and reads a file back for verification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from generator.deploy.plan import Plan
from generator.errors import NoticeboardError
from generator.output.ownership import ForeignFiles, Owner, claim

V = TypeVar("V")

# Proof that a folder or bucket prefix holds a site Noticeboard published: a deploy replaces all
# of it, so a mistyped path must not wipe files someone else put there.
MARKER = ".noticeboard-deploy"
MARKER_TEXT = "This location is published by `noticeboard deploy`; every deploy replaces all of it.\n"
PUBLISHED = Owner(MARKER, MARKER_TEXT, "publish")
_TOKEN = "published: "


def marker(token: str) -> bytes:
    """The marker's text, naming what was published (`token`): the next deploy reads this one small
    file, and when it names what that deploy remembers publishing, needs no listing of the host."""
    return f"{MARKER_TEXT}{_TOKEN}{token}\n".encode("utf-8")


def token_in(text: bytes) -> str | None:
    """The token a marker names, if it names one (markers of earlier versions don't)."""
    for line in text.decode("utf-8", "replace").splitlines():
        if line.startswith(_TOKEN):
            return line[len(_TOKEN):].strip() or None
    return None


def token_of(hashes: Mapping[str, str]) -> str:
    """One digest of a whole site as a host holds it (path → hash in the host's scheme)."""
    digest = hashlib.sha256()
    for path in sorted(hashes):
        digest.update(f"{path}\0{hashes[path]}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class TargetError(NoticeboardError):
    """One host could not be read or updated; the message says why, without any credential."""


@dataclass(frozen=True)
class Files:
    """What one host is to hold: the site's files plus that host's own extras (a git branch's
    `.nojekyll` and `CNAME`), each path with its sha256; bytes read on demand through `reader`
    (from the folder the build wrote, or from the resident site's memory)."""

    digests: Mapping[str, str]
    reader: Callable[[str], bytes]
    extra: Mapping[str, bytes] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        if path in self.extra:
            return self.extra[path]
        return self.reader(path)

    def with_extra(self, extra: Mapping[str, bytes]) -> Files:
        digests = {**self.digests, **{path: hashlib.sha256(data).hexdigest() for path, data in extra.items()}}
        return Files(digests, self.reader, {**self.extra, **extra})


class Target(Protocol):
    def hash(self, sha256: str, read: Callable[[], bytes]) -> str:
        """The hash this host reports for the file with this sha256 (`read` gives its bytes if need be)."""

    def extra(self) -> dict[str, bytes]:
        """Files this host needs beside the site (a git branch's .nojekyll and CNAME)."""

    def state(self) -> dict[str, str | None]:
        """What the host holds now: path → hash, or None where the host can't say."""

    def published(self) -> str | None:
        """What the host says it holds, cheaply (the marker's token, a branch's head commit); None
        when it can't say. A deploy that remembers publishing exactly this trusts what it remembers."""

    def apply(self, plan: Plan, files: Files, token: str) -> str:
        """Carry out the plan and mark the host as holding `token` (a git branch's token is the
        commit made); returns a short note for the summary (e.g. the commit made)."""

    def check_sent(self, plan: Plan, local: Mapping[str, str], token: str) -> None:
        """Raise TargetError unless the host is marked as holding what was just published and every
        file the plan sent holds the right hash there."""

    def read(self, path: str) -> bytes:
        """One published file, read back from the host."""

    def close(self) -> None:
        """Keep what the next deploy reuses, release temporary files and connections."""


def claim_listing(found: dict[str, V], where: str, remedy: str) -> bool:
    """Whether the listing `found` of a host's location carries our marker (taken out of it), by
    the one ownership check builds use too (output/ownership.py): a location holding anything
    else but no marker was not published by Noticeboard, and a deploy replaces all of it."""
    try:
        return claim(found, PUBLISHED, where, remedy)
    except ForeignFiles as exc:
        raise TargetError(str(exc)) from None
