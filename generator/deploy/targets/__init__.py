"""One module per kind of host; each offers the same few operations to the deploy runner.

A target reports what it holds (path → content hash in its own hash scheme), applies a plan,
and reads a file back for verification. Modules are imported only when a target of their kind
is used, so boto3 is needed only by those who deploy to S3.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from generator.content.deploy_config import FolderConfig, GitConfig, TargetConfig
from generator.deploy.plan import Plan
from generator.errors import NoticeboardError

# Proof that a folder or bucket prefix holds a site Noticeboard published: a deploy replaces all
# of it, so a mistyped path must not wipe files someone else put there.
MARKER = ".noticeboard-deploy"
MARKER_TEXT = "This location is published by `noticeboard deploy`; every deploy replaces all of it.\n"


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


def open_target(config: TargetConfig) -> Target:
    if isinstance(config, FolderConfig):
        from generator.deploy.targets.folder import FolderTarget
        return FolderTarget(config)
    if isinstance(config, GitConfig):
        from generator.deploy.targets.git import GitTarget
        return GitTarget(config)
    from generator.deploy.targets.s3 import S3Target
    return S3Target(config)
