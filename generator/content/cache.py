"""A persistent cache of checked incidents and maintenance windows, keyed by file content.

A bank keeps years of notices; re-parsing and re-validating 10,000 unchanged files on every
`check` would make the tool slow exactly when an operator is in a hurry. An entry is reused
only when the file's bytes, site.yaml, services.yaml (which references are checked against)
and Noticeboard's own loading code are all unchanged, so a hit is always what a cold run
would have produced. Only files without errors are cached.

The cache is a folder of pickles in `.noticeboard-cache/` next to the content folder, written
and read only by this tool on the operator's own machine, never published. Entries are spread
over 256 files by a stable hash of the file name, and a run rewrites only the files holding an
entry it added or dropped: after one edit at 10,000 incidents that is ~150 KB, not 38 MB (1.2 s
of CPU). Each file is written atomically and carries the context it was made under and a
checksum, so a crash between two files, or a corrupt or foreign file, only means its entries
are checked afresh.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from generator.content.stamp import Stamp, settled, stamp_of
from generator.errors import Problem

CACHE_DIR = ".noticeboard-cache"
_CODE = ("content/load.py", "content/yamlfile.py", "content/fastyaml.py", "content/validate.py",
         "content/references.py", "content/deploy_config.py", "content/names.py", "content/model.py",
         "content/cache.py", "content/coldcheck.py", "content/check.py", "content/typed.py", "clock.py",
         "errors.py")
PACKAGE = Path(__file__).resolve().parents[1]
SHARDS = 256


@cache
def code_fingerprint() -> str:
    """Changes whenever the code or schemas that turn a file into a model object change."""
    here = PACKAGE
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
    unpickling 4x slower and a cold check of 10,000 incidents 40% slower. What was loaded is
    long-lived, so it is frozen out of the collector's reach before it resumes: otherwise its
    first collection scans every object made during the pause (0.3 s at 10,000 incidents)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


@dataclass(frozen=True)
class Entry:
    digest: str
    value: Any
    warnings: tuple[Problem, ...] = ()


@dataclass
class ContentCache:
    folder: Path
    context: str
    entries: dict[str, Entry] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    dirty: set[int] = field(default_factory=set)
    digests: Digests | None = None
    on_disk: bool = True

    @classmethod
    def open(cls, content_dir: Path) -> ContentCache:
        """The cache for this content folder; a missing, foreign or corrupt file just means a cold start."""
        content_dir = content_dir.resolve()
        context = hashlib.sha256(code_fingerprint().encode())
        for name in ("site.yaml", "services.yaml"):
            path = content_dir / name
            context.update(path.read_bytes() if path.is_file() else b"-")
        found = cls(cache_folder(content_dir) / f"{content_dir.name}.entries", context.hexdigest(),
                    digests=Digests.open(content_dir))
        with collector_paused():
            for shard in range(SHARDS):
                found.entries.update(found._read(shard))
        return found

    @classmethod
    def scratch(cls, content_dir: Path) -> ContentCache:
        """An empty cache that is never saved, for a run told not to use the cache on disk: it
        holds only what `coldcheck` checks in this run."""
        folder, name = cache_folder(content_dir), content_dir.resolve().name
        return cls(folder / f"{name}.entries", "", digests=Digests(folder / f"{name}.digests.pickle"), on_disk=False)

    def lookup(self, name: str, digest: str) -> Entry | None:
        entry = self.entries.get(name)
        if entry is None or entry.digest != digest:
            return None
        self.used.add(name)
        return entry

    def store(self, name: str, digest: str, value: Any, warnings: tuple[Problem, ...]) -> None:
        self.entries[name] = Entry(digest, value, warnings)
        self.used.add(name)
        self.dirty.add(shard_of(name))

    def occupied(self) -> set[int]:
        """The files (by number) holding at least one entry."""
        return {shard_of(name) for name in self.entries}

    def seal(self, shard: int, entries: dict[str, Entry]) -> tuple[bytes, bool]:
        """All the entries of file `shard`, which holds nothing yet, pickled and (for a cache on
        disk) written: coldcheck's workers do this, so the build's process neither pickles them
        again nor keeps the UTF-8 copy of each Korean text pickling leaves in it (13 MB at 10,000
        incidents). Returns the pickle for `unseal`, and whether the file was written."""
        payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        written = self.on_disk and write_atomic(self._file(shard), self.context.encode(),
                                                 hashlib.sha256(payload).digest(), payload)
        return payload, written

    def unseal(self, shard: int, payload: bytes, written: bool) -> None:
        """Take in the entries `seal` pickled (in another process) for file `shard`."""
        entries = pickle.loads(payload)
        self.entries.update(entries)
        self.used.update(entries)
        if not written:
            self.dirty.add(shard)

    def save(self) -> None:
        """Rewrite the files whose entries changed, dropping entries for files that no longer
        exist; a failure only costs speed."""
        if self.digests is not None:
            self.digests.save()
        for name in set(self.entries) - self.used:
            del self.entries[name]
            self.dirty.add(shard_of(name))
        changed: dict[int, dict[str, Entry]] = {shard: {} for shard in self.dirty}
        for name, entry in self.entries.items():
            if (found := changed.get(shard_of(name))) is not None:
                found[name] = entry
        for shard, entries in changed.items():
            if self._write(shard, entries):
                self.dirty.discard(shard)

    def _file(self, shard: int) -> Path:
        return self.folder / f"{shard:02x}.pickle"

    def _read(self, shard: int) -> dict[str, Entry]:
        """One file's entries, if it was written under this context and its checksum holds: a
        damaged pickle often still loads, with a changed text in it (one in seven random byte
        flips did), and a hit must be what a cold run would produce. Layout: the context (64
        ASCII bytes), the sha256 of the pickled entries (32 bytes, ~20 ms for all files at
        10,000 incidents), then the pickled entries."""
        try:
            data = memoryview(self._file(shard).read_bytes())
            head, checksum, payload = data[:64], data[64:96], data[96:]
            if head != self.context.encode() or checksum != hashlib.sha256(payload).digest():
                return {}
            entries = pickle.loads(payload)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def _write(self, shard: int, entries: dict[str, Entry]) -> bool:
        if entries:
            payload = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
            return write_atomic(self._file(shard), self.context.encode(), hashlib.sha256(payload).digest(), payload)
        try:
            self._file(shard).unlink(missing_ok=True)
        except OSError:
            return False
        return True


def shard_of(name: str) -> int:
    """Which of the cache's files holds the entry for `name`: stable across runs, unlike hash()."""
    return zlib.crc32(name.encode()) % SHARDS


@dataclass
class Digests:
    """sha256 digests of files remembered with their stamps, so a file whose stamp has not moved
    is not read again: reading and hashing 10,000 notices was most of a no-op build."""

    path: Path
    known: dict[str, tuple[Stamp, str]] = field(default_factory=dict)
    started: int = field(default_factory=time.time_ns)
    dirty: bool = False

    @classmethod
    def open(cls, content_dir: Path) -> Digests:
        found = cls(cache_folder(content_dir) / f"{content_dir.resolve().name}.digests.pickle")
        try:
            with found.path.open("rb") as handle, collector_paused():
                known = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return found
        if isinstance(known, dict):
            found.known = known
        return found

    def known_digest(self, path: str, stat: os.stat_result) -> str | None:
        """The digest of the file at `path` if its stamp is the one it had when it was hashed."""
        remembered = self.known.get(path)
        return remembered[1] if remembered is not None and remembered[0] == stamp_of(stat) else None

    def remember(self, path: str, stat: os.stat_result, digest: str) -> None:
        """Note `digest` for the file as it was at `stat` (taken before reading it, so a write
        racing the read moves the stamp and is noticed next time)."""
        if settled(stat, self.started):
            self.known[path] = (stamp_of(stat), digest)
        else:
            self.known.pop(path, None)
        self.dirty = True

    def known_of(self, paths: list[str]) -> dict[str, tuple[Stamp, str]]:
        """What is remembered of these files, for `adopt` in another process (coldcheck's workers)."""
        return {path: self.known[path] for path in paths if path in self.known}

    def adopt(self, known: dict[str, tuple[Stamp, str]]) -> None:
        """Remember what another process's `known_of` returned."""
        if known:
            self.known.update(known)
            self.dirty = True

    def digest(self, path: str) -> str:
        """The file's sha256, read and hashed only when its stamp moved."""
        stat = os.stat(path)
        found = self.known_digest(path, stat)
        if found is None:
            with open(path, "rb") as handle:
                found = file_digest(handle.read())
            self.remember(path, stat, found)
        return found

    def save(self) -> None:
        if self.dirty:
            write_pickle(self.path, self.known)
            self.dirty = False


def write_pickle(path: Path, value: Any) -> bool:
    """Keep `value` for the next run (see write_atomic)."""
    return write_atomic(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def write_atomic(path: Path, *chunks: bytes) -> bool:
    """Write `chunks` one after the other, atomically; False when it could not. What one run keeps
    in the cache folder for the next (the content cache, the build's record and manifest, a
    deploy's hashes and stamps) is written here: a failure only costs the next run some speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(temp, path)
    except OSError:
        Path(temp).unlink(missing_ok=True)
        return False
    return True


def cache_folder(content_dir: Path) -> Path:
    """`.noticeboard-cache/` beside the content folder: what one run keeps for the next."""
    return content_dir.resolve().parent / CACHE_DIR
