"""One module per kind of host; each offers the same few operations to the deploy runner.

A target reports what it holds (path → content hash in its own hash scheme), applies a plan,
and reads a file back for verification. Modules are imported only when a target of their kind
is used, so boto3 is needed only by those who deploy to S3.
"""

from __future__ import annotations

from pathlib import Path

from generator.content.deploy_config import FolderConfig, GitConfig, TargetConfig
from generator.deploy.hashes import Hashes
from generator.deploy.targets.base import MARKER, Target, TargetError

__all__ = ["MARKER", "Target", "TargetError", "open_target"]

def open_target(config: TargetConfig, cache: Path | None, hashes: Hashes, author: str) -> Target:
    """The target for `config`; `cache` (the content's cache folder, None to keep nothing) holds what
    the next deploy to it reuses, `hashes` the files' hashes in each host's scheme, `author` who
    publishes (git targets name them in the commit)."""
    if isinstance(config, FolderConfig):
        from generator.deploy.targets.folder import FolderTarget
        return FolderTarget(config, cache)
    if isinstance(config, GitConfig):
        from generator.deploy.targets.git import GitTarget
        return GitTarget(config, hashes, cache, author)
    from generator.deploy.targets.s3 import S3Target
    return S3Target(config, hashes)
