"""Stage 6, write: put the rendered site on disk all at once, or not at all.

The new site is written into a hidden sibling folder and swapped in by renames, so a reader
(or a deploy) sees either the last good site or the new one, never a mix; a failed build
leaves the previous output exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

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


def write_site(files: dict[str, bytes], output: Path, manifest: Path | None = None, key: str = "") -> None:
    """Replace `output` with exactly `files`; on any failure the previous output is untouched.

    With a `manifest` (kept outside the output), files whose bytes did not change are hard-linked
    from the previous site instead of rewritten, so they keep their mtimes (rsync, caches and
    deploys then see only what really changed); `key` records which inputs produced this site.
    """
    checked = {safe_relative(p): data for p, data in files.items()}
    output = output.absolute()
    if output.exists() and not output.is_dir():
        raise OutputError(f"output path {output} exists and is not a folder")
    output.parent.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(manifest, output) if manifest else None
    written: dict[str, list[Any]] = {}
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        for rel, data in sorted(checked.items()):
            target = staging.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256(data).hexdigest()
            if not (previous and _reuse(previous.files.get(rel.as_posix()), digest, output / rel, target)):
                target.write_bytes(data)
            written[rel.as_posix()] = [digest, *_stamp(target)]
        _swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if manifest:
        _write_manifest(manifest, Manifest(key, written))


@dataclass(frozen=True)
class Manifest:
    """What the last build wrote: the inputs' key and each file's digest, size and mtime."""

    key: str
    files: dict[str, list[Any]]


def read_manifest(path: Path, output: Path) -> Manifest | None:
    """The last build's manifest, trusted only if every output file still matches it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        found = Manifest(str(raw["key"]), dict(raw["files"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    present = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()} if output.is_dir() else set()
    if present != set(found.files):
        return None
    if any(_stamp(output / rel) != entry[1:] for rel, entry in found.files.items()):
        return None
    return found


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _reuse(entry: list[Any] | None, digest: str, old: Path, target: Path) -> bool:
    if entry is None or entry[0] != digest:
        return False
    try:
        if _stamp(old) != entry[1:]:
            return False
        os.link(old, target)
    except OSError:
        return False
    return True


def _write_manifest(path: Path, manifest: Manifest) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(json.dumps({"key": manifest.key, "files": manifest.files}, sort_keys=True), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        return


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
