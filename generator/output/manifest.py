"""The record of the last build into an output folder, kept beside the content (never in the site).

It lets the next build skip what did not change: the inputs' key says whether anything did (a
no-op build), and each file's digest, size and mtime let an unchanged file be hard-linked rather
than rewritten. What each page and output read, which says whether it must be made again, is
kept beside it (record.py), read only by a build that has something to do.
It is trusted only while every output file still has the size and mtime it records, so a site
changed by hand is rebuilt rather than half-kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.content.cache import PACKAGE, Digests, cache_folder, code_fingerprint, write_atomic
from generator.content.stamp import linked_stamp


@dataclass(frozen=True)
class Manifest:
    """What the last build wrote: the inputs' key, each file's digest, size and mtime, and the
    stretch of time the site it wrote holds for: from the last moment its state changed to the
    next moment it changes by itself (state/timeline.py; None: open-ended). A build at any `now`
    in that stretch, from the same inputs, would write the same files."""

    key: str
    files: dict[str, list[Any]]
    holds_from: datetime | None = None
    holds_until: datetime | None = None

    def holds_at(self, now: datetime) -> bool:
        return (self.holds_from is None or self.holds_from <= now) and (self.holds_until is None or now < self.holds_until)


def read_manifest(path: Path, output: Path) -> Manifest | None:
    """The last build's manifest, trusted only if every output file still matches it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        span = [datetime.fromisoformat(moment) if moment else None for moment in raw.get("holds", (None, None))]
        found = Manifest(str(raw["key"]), dict(raw["files"]), *span)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    stamps: dict[str, tuple[int, ...]] = {}
    try:
        if output.is_dir():
            _walk_stamps(output, "", stamps)
    except (OSError, _Untrusted):
        return None
    if len(stamps) != len(found.files):
        return None
    if any(stamps.get(rel) != tuple(entry[1:]) for rel, entry in found.files.items()):
        return None
    return found


class _Untrusted(Exception):
    """The output holds something a build never writes (a link, a FIFO): it was changed by hand."""


def _walk_stamps(folder: Path | str, prefix: str, stamps: dict[str, tuple[int, ...]]) -> None:
    """Add (size, mtime) of every file under `folder` by relative path, in one os.scandir walk: a
    no-op build checks tens of thousands of files, and pathlib's rglob + is_file + stat took 70% of it."""
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                _walk_stamps(entry.path, rel + "/", stamps)
            elif entry.is_file(follow_symlinks=False):
                stamps[rel] = linked_stamp(entry.stat(follow_symlinks=False))
            else:
                raise _Untrusted(rel)


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Record what was written, for the next build; a manifest that can't be saved only costs that build time."""
    span = [moment.isoformat() if moment else None for moment in (manifest.holds_from, manifest.holds_until)]
    write_atomic(path, json.dumps({"key": manifest.key, "files": manifest.files, "holds": span},
                                  sort_keys=True).encode("utf-8"))


def spare_folder(manifest: Path) -> Path:
    """Where a build sets the site it replaced aside, for the next build into the same output to
    write over (write.Staging): beside the manifest, out of the way of the output's folder."""
    return manifest.with_suffix(".spare")


def inputs_key(folders: list[Path], settings: str, digests: Digests) -> str:
    """One digest of everything a build reads — Noticeboard's code, the content, the theme and the
    build's settings (`--now`, affiliate) — so an unchanged site can be recognised without rendering."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for folder in [PACKAGE, *folders]:
        for relative, path in sorted(_files_under(str(folder.resolve()), "")):
            digest.update(relative.encode() + b"\0")
            digest.update(bytes.fromhex(digests.digest(path)))
    digest.update(settings.encode())
    return digest.hexdigest()


def _files_under(folder: str, prefix: str) -> Iterator[tuple[str, str]]:
    """(relative posix path, path) of every file below `folder`, following links to files but not
    to folders, and leaving out __pycache__."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _files_under(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file():
                yield f"{prefix}{entry.name}", entry.path


def manifest_path(content_dir: Path, output: Path) -> Path:
    """Where the record of the last build into `output` lives: beside the content, never inside the site.

    Named by the output's absolute path with `..` and `.` resolved, so `-o public`, `-o ./public`
    and `-o ../site/public` for one folder share it (and its spare tree) rather than each making
    a full build of its own."""
    tag = hashlib.sha256(os.path.abspath(output).encode()).hexdigest()[:16]
    return cache_folder(content_dir) / f"output-{tag}.json"
