"""What every kind of host offers the deploy runner, and the one check that a location is ours.

A target reports what it holds (path → content hash in its own hash scheme), applies a plan,
and reads a file back for verification.
"""

from __future__ import annotations

from collections.abc import Mapping
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


class TargetError(NoticeboardError):
    """One host could not be read or updated; the message says why, without any credential."""


class Target(Protocol):
    def digest(self, data: bytes) -> str:
        """The hash this host reports for a file with these bytes."""

    def prepare(self, files: Mapping[str, bytes]) -> dict[str, bytes]:
        """The files exactly as this host should hold them (a git branch adds its CNAME)."""

    def state(self) -> dict[str, str | None]:
        """What the host holds now: path → hash, or None where the host can't say."""

    def apply(self, plan: Plan, files: Mapping[str, bytes]) -> str:
        """Carry out the plan; returns a short note for the summary (e.g. the commit made)."""

    def read(self, path: str) -> bytes:
        """One published file, read back from the host."""

    def close(self) -> None:
        """Release temporary files and connections."""


def claim_listing(found: dict[str, V], where: str, remedy: str) -> bool:
    """Whether the listing `found` of a host's location carries our marker (taken out of it), by
    the one ownership check builds use too (output/ownership.py): a location holding anything
    else but no marker was not published by Noticeboard, and a deploy replaces all of it."""
    try:
        return claim(found, PUBLISHED, where, remedy)
    except ForeignFiles as exc:
        raise TargetError(str(exc)) from None
