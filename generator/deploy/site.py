"""The site a deploy publishes: a folder the build wrote, each file known by its sha256.

A deploy publishes exactly what `noticeboard build` wrote, through the same incremental build,
and reads a file's bytes only to send it or to hash it in a host's scheme for the first time.
The build's manifest already holds every file's sha256 (and is trusted only while every file
still has the size and mtime it records); a folder built elsewhere (`--site DIR`) is hashed once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from generator.content.names import safe_relative
from generator.deploy.targets.base import MARKER, Files
from generator.errors import NoticeboardError
from generator.output.ownership import BUILT

NOT_PUBLISHED = frozenset({MARKER, BUILT.marker})  # the deploy's marker, and the one that says a build wrote it


def site_files(folder: Path, digests: Mapping[str, str] | None = None) -> Files:
    """The site in `folder`: with `digests` from its build's manifest, or by hashing every file.
    A repository's .git inside it, and the markers of a deploy and of a build, are never published."""
    if not (folder / "index.html").is_file():
        raise NoticeboardError(f"{folder} has no index.html; hint: pass the folder `noticeboard build` wrote "
                               "(default public/), or leave out --site to build now")
    def read(path: str) -> bytes:
        return (folder / safe_relative(path)).read_bytes()

    if digests is not None:
        return Files({path: digest for path, digest in digests.items() if path not in NOT_PUBLISHED}, read)
    found: dict[str, str] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            rel = Path(root, name).relative_to(folder).as_posix()
            if rel not in NOT_PUBLISHED:
                found[str(safe_relative(rel))] = hashlib.sha256(Path(root, name).read_bytes()).hexdigest()
    return Files(found, read)
