"""What a name in the published site may be: no path that leaves the output folder, no name a
file system refuses. Content ids are checked against the same rules when they are read (so the
operator hears of a bad id at file:line), and every output path again before it is written.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from generator.errors import OutputError

# A theme is chosen by name (site.yaml's `theme:`, --theme), never by path: SECURITY.md.
THEME_NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
THEME_NAME_HINT = ("a theme is chosen by name, never by path: 'default', or the name of a folder under themes/ "
                   "beside the content folder (theme: mybank for themes/mybank/)")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_relative(path: str) -> PurePosixPath:
    """Refuse any output path that could land outside the output folder or trip a file system."""
    check_relative(path)
    return PurePosixPath(path)


def check_relative(path: str) -> None:
    """`safe_relative` on the string alone: a build checks every one of its 20,000+ paths, and
    parsing each into a PurePosixPath cost more than hard-linking the file."""
    problem = None
    parts = path.split("/")
    if not path or "\x00" in path or "\\" in path:
        problem = "contains a NUL byte or backslash"
    elif any(part in ("", ".", "..") for part in parts):
        problem = "is not a plain relative path"
    elif any(is_reserved_name(part) for part in parts):
        problem = "uses a name Windows reserves"
    elif any(len(part.encode()) > 200 for part in parts):
        problem = "has a name longer than 200 bytes"
    if problem:
        raise OutputError(f"refusing to write output path {path!r}: it {problem}")


def is_reserved_name(name: str) -> bool:
    """Windows refuses these names (with any extension) as files or folders, so a site holding one
    could not be copied to a Windows server or opened from a Windows share."""
    return name.split(".")[0].lower() in _WINDOWS_RESERVED
