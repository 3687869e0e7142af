"""A persistent cache of checked incidents and maintenance windows, keyed by file content.

A bank keeps years of notices; re-parsing and re-validating 10,000 unchanged files on every
`check` would make the tool slow exactly when an operator is in a hurry. An entry is reused
only when the file's bytes, site.yaml, services.yaml (which references are checked against)
and Noticeboard's own loading code are all unchanged, so a hit is always what a cold run
would have produced. Only files without errors are cached.

The cache is a pickle in `.noticeboard-cache/` next to the content folder: it is written and
read only by this tool on the operator's own machine, never published.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from generator.errors import Problem

CACHE_DIR = ".noticeboard-cache"
_CODE = ("load.py", "validate.py", "references.py", "model.py", "errors.py", "cache.py")


@cache
def code_fingerprint() -> str:
    """Changes whenever the code or schemas that turn a file into a model object change."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(sys.version.encode())
    for path in [here / name for name in _CODE] + sorted((here / "schema").glob("*.json")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Loading (parsing, unpickling, building the model) creates many small objects and almost
    nothing cyclic; letting the garbage collector rescan the growing heap meanwhile made
    unpickling 4x slower and a cold check of 10,000 incidents 40% slower."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class Entry:
    digest: str
    value: Any
    warnings: tuple[Problem, ...] = ()


@dataclass
class ContentCache:
    path: Path
    context: str
    entries: dict[str, Entry] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    dirty: bool = False

    @classmethod
    def open(cls, content_dir: Path) -> ContentCache:
        """The cache for this content folder; a missing, foreign or corrupt file just means a cold start."""
        content_dir = content_dir.resolve()
        context = hashlib.sha256(code_fingerprint().encode())
        for name in ("site.yaml", "services.yaml"):
            path = content_dir / name
            context.update(path.read_bytes() if path.is_file() else b"-")
        found = cls(content_dir.parent / CACHE_DIR / f"{content_dir.name}.pickle", context.hexdigest())
        try:
            with found.path.open("rb") as handle, collector_paused():
                stored_context, entries = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return found
        if stored_context == found.context:
            found.entries = entries
        return found

    def lookup(self, name: str, digest: str) -> Entry | None:
        entry = self.entries.get(name)
        if entry is None or entry.digest != digest:
            return None
        self.used.add(name)
        return entry

    def store(self, name: str, digest: str, value: Any, warnings: tuple[Problem, ...]) -> None:
        self.entries[name] = Entry(digest, value, warnings)
        self.used.add(name)
        self.dirty = True

    def save(self) -> None:
        """Write atomically, dropping entries for files that no longer exist; a failure only costs speed."""
        stale = set(self.entries) - self.used
        if not self.dirty and not stale:
            return
        for name in stale:
            del self.entries[name]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
            with os.fdopen(handle, "wb") as out:
                pickle.dump((self.context, self.entries), out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.path)
        except OSError:
            return
        self.dirty = False


def inputs_key(folders: list[Path], settings: str) -> str:
    """One digest of everything a build reads — Noticeboard's code, the content, the theme and the
    build's settings (`--now`, affiliate) — so an unchanged site can be recognised without rendering."""
    digest = hashlib.sha256(code_fingerprint().encode())
    package = Path(__file__).resolve().parent
    for folder in [package, *folders]:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(settings.encode())
    return digest.hexdigest()


def manifest_path(content_dir: Path, output: Path) -> Path:
    """Where the record of the last build into `output` lives: beside the content, never inside the site."""
    content_dir = content_dir.resolve()
    tag = hashlib.sha256(str(output.absolute()).encode()).hexdigest()[:16]
    return content_dir.parent / CACHE_DIR / f"output-{tag}.json"
