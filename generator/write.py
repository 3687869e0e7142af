"""Stage 6, write: put the rendered site on disk all at once, or not at all.

The new site is written into a hidden sibling folder and swapped in by renames, so a reader
(or a deploy) sees either the last good site or the new one, never a mix; a failed build
leaves the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from generator.errors import OutputError

_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_relative(path: str) -> PurePosixPath:
    """Refuse any output path that could land outside the output folder or trip a file system."""
    pure = PurePosixPath(path)
    problem = None
    if not path or "\x00" in path or "\\" in path:
        problem = "contains a NUL byte or backslash"
    elif pure.is_absolute() or any(seg in ("", ".", "..") for seg in path.split("/")):
        problem = "is not a plain relative path"
    elif any(part.split(".")[0].lower() in _WINDOWS_RESERVED for part in pure.parts):
        problem = "uses a name Windows reserves"
    elif any(len(part.encode()) > 200 for part in pure.parts):
        problem = "has a name longer than 200 bytes"
    if problem:
        raise OutputError(f"refusing to write output path {path!r}: it {problem}")
    return pure


def write_site(files: dict[str, bytes], output: Path) -> None:
    """Replace `output` with exactly `files`; on any failure the previous output is untouched."""
    checked = {safe_relative(p): data for p, data in files.items()}
    output = output.absolute()
    if output.exists() and not output.is_dir():
        raise OutputError(f"output path {output} exists and is not a folder")
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        for rel, data in sorted(checked.items()):
            target = staging.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, output: Path) -> None:
    """Two renames on one file system; the old tree is removed only once the new one is in place."""
    if not output.exists():
        os.rename(staging, output)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    retired.rmdir()
    os.rename(output, retired)
    try:
        os.rename(staging, output)
    except BaseException:
        os.rename(retired, output)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def recover(output: Path) -> None:
    """If a build was killed between the two renames, put the last good site back before anything else."""
    output = output.absolute()
    if output.exists() or not output.parent.is_dir():
        return
    retired = sorted(output.parent.glob(f".{output.name}.old-*"))
    if retired:
        os.rename(retired[-1], output)
