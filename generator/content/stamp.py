"""A file's stamp: what tells, without reading it, whether a file may have changed since it was
last looked at. Every stage that skips re-reading a file it knows (the content cache, the
preview's notices, the build's record of its output) asks the same question here.

Two readings of one stat. A content file's full stamp changes whenever its bytes change: writing
updates the ctime, which no tool can set back, and replacing the file changes the inode; size
and mtime catch the rest. An output file is hard-linked from build to build, which changes its
ctime (its link count moved) but not its bytes, so what identifies it is the part a link keeps:
size and mtime.
"""

from __future__ import annotations

import os
from pathlib import Path

Stamp = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns
Linked = tuple[int, int]  # size, mtime_ns

# A file whose mtime or ctime is this close to the moment it was looked at may still change
# within the same timestamp tick (1-2 s on some file systems), keeping its stamp: such a file is
# checked again next time instead of being trusted ("racily clean", as git calls it).
SETTLE_NS = 2_000_000_000


def stamp_of(stat: os.stat_result) -> Stamp:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def stamp_at(path: Path | str) -> Stamp | None:
    """The stamp of whatever is at `path` (a file or folder), None if nothing is."""
    try:
        return stamp_of(os.stat(path))
    except OSError:
        return None


def settled(stat: os.stat_result, since_ns: int) -> bool:
    """Whether a file looked at from `since_ns` on has been still long enough for its stamp to be trusted."""
    return max(stat.st_mtime_ns, stat.st_ctime_ns) < since_ns - SETTLE_NS


def linked_stamp(stat: os.stat_result) -> Linked:
    """The part of an output file's stamp that a hard link into the next build keeps."""
    return (stat.st_size, stat.st_mtime_ns)
