"""Stage 6, write: put the rendered site on disk all at once, or not at all.

The new site is written into a hidden sibling folder, page by page as it is rendered, and
swapped in with one system call (Linux renameat2 with RENAME_EXCHANGE), so the output folder
holds the last good site or the new one at every instant, even if the build is killed
half-way: never a mix, never missing. Where the system cannot exchange two folders, two renames
are used and `recover()` puts the old site back if a build died between them. Builds into one
parent folder take a lock, so a preview rebuild and a manual build never tidy away each other's
half-written staging folder.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path, PurePosixPath
from typing import Any

from generator.errors import OutputError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_PROJECT_MARKS = (".git", "site.yaml", "content/site.yaml")
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


def write_site(files: dict[str, bytes], output: Path, manifest: Path | None = None, key: str = "") -> None:
    """Replace `output` with exactly `files`; on any failure the previous output is untouched.

    With a `manifest` (kept outside the output), files whose bytes did not change are hard-linked
    from the previous site instead of rewritten, so they keep their mtimes (rsync, caches and
    deploys then see only what really changed); `key` records which inputs produced this site.
    """
    for path in files:
        safe_relative(path)
    with staged(output, read_manifest(manifest, output.absolute()) if manifest else None) as staging:
        for path, data in sorted(files.items()):
            staging.put(path, data)
    if manifest:
        write_manifest(manifest, Manifest(key, staging.written))


@contextmanager
def staged(output: Path, previous: Manifest | None = None) -> Iterator[Staging]:
    """A staging folder beside `output` to fill, swapped in when the block ends normally and
    discarded on any exception, all under the lock, so a concurrent `recover` never sees the
    staging folder of a live build as the leftover of a killed one. `previous` is the last
    build's manifest (see `read_manifest`), whose unchanged files are hard-linked, not rewritten."""
    output = output.absolute()
    with ExitStack() as lock:
        with _output_errors(output):
            if output.exists() and not output.is_dir():
                raise OutputError(f"output path {output} exists and is not a folder")
            _refuse_project_folder(output)
            output.parent.mkdir(parents=True, exist_ok=True)
            lock.enter_context(_locked(output.parent))
            root = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
            staging = Staging(root, output, previous)
        try:
            yield staging
            with _output_errors(output):
                staging.root.chmod(output.stat().st_mode & 0o7777 if output.is_dir() else 0o755)
                _swap(staging.root, output)
        except BaseException:
            _discard(staging.root)
            raise


@contextmanager
def _output_errors(output: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot write the site to {output}: {exc.strerror or exc}; hint: check the --output "
                          "path, the free disk space and the permissions of its folder") from None


class Staging:
    """The new site as it is written, and `written`: the manifest entry of every file.

    Paths are joined as strings: a build after one edit keeps about 22,000 files, and pathlib's
    parsing and joining cost three times the hard links themselves."""

    def __init__(self, root: Path, output: Path, previous: Manifest | None) -> None:
        self.root, self.output = root, output
        self._root, self._output = f"{root}{os.sep}", f"{output}{os.sep}"
        self.previous = previous.files if previous else {}
        self.written: dict[str, list[Any]] = {}
        self._folders: set[str] = set()

    def put(self, path: str, data: bytes) -> None:
        """Write one file (or hard-link the last build's copy when its bytes are the same)."""
        target = self._target(path)
        digest = hashlib.sha256(data).hexdigest()
        with _output_errors(self.output):
            if not _reuse(self.previous.get(path), digest, self._output + path, target):
                with open(target, "wb") as handle:
                    handle.write(data)
            self.written[path] = [digest, *_stamp(target)]

    def keep(self, path: str) -> bool:
        """Hard-link the last build's `path` unread, its digest taken from the manifest: a page
        rendered from the same inputs (reuse.py) has the same bytes. False if it can't be."""
        entry = self.previous.get(path)
        if entry is None or not _reuse(entry, entry[0], self._output + path, self._target(path)):
            return False
        self.written[path] = list(entry)
        return True

    def _target(self, path: str) -> str:
        """Where `path` goes in the staging folder, its folder made (once per folder)."""
        check_relative(path)
        folder = path.rpartition("/")[0]
        if folder not in self._folders:
            with _output_errors(self.output):
                os.makedirs(self._root + folder, exist_ok=True)
            self._folders.add(folder)
        return self._root + path


def _refuse_project_folder(output: Path) -> None:
    """A build replaces the whole output folder, so `-o .` or `-o content` would delete the project."""
    resolved = output.resolve()
    for precious, what in ((Path.cwd(), "the folder you are working in"), (Path.home(), "your home folder")):
        if precious.resolve().is_relative_to(resolved):
            raise OutputError(f"refusing to replace {output}: it is or contains {what}, and a build replaces the "
                              "whole output folder; hint: choose a folder of its own, such as public/")
    for mark in _PROJECT_MARKS:
        if (resolved / mark).exists():
            raise OutputError(f"refusing to replace {output}: it holds {mark}, so it is a project or repository, not "
                              "a built site; hint: choose a folder of its own, such as public/")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the output's parent folder (no lock file to leave behind); where
    flock is unavailable, builds into the same folder must simply not overlap."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _HELD_LOCKS.add(handle)
        yield
    finally:
        _HELD_LOCKS.discard(handle)
        os.close(handle)


_HELD_LOCKS: set[int] = set()


def _drop_inherited_locks() -> None:
    """In a forked child (a render worker): close the lock's descriptor. The lock stays the
    parent's, but a worker orphaned by a killed build would otherwise hold it for ever and hang
    every later build into the same folder."""
    for handle in _HELD_LOCKS:
        os.close(handle)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


@dataclass(frozen=True)
class Manifest:
    """What the last build wrote: the inputs' key, each file's digest, size and mtime, and the
    key of what each page or machine output was made from, where it has one (reuse.py)."""

    key: str
    files: dict[str, list[Any]]
    keys: dict[str, str] = field(default_factory=dict)


def read_manifest(path: Path, output: Path) -> Manifest | None:
    """The last build's manifest, trusted only if every output file still matches it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        found = Manifest(str(raw["key"]), dict(raw["files"]), dict(raw.get("keys", {})))
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
                stat = entry.stat(follow_symlinks=False)
                stamps[rel] = (stat.st_size, stat.st_mtime_ns)
            else:
                raise _Untrusted(rel)


def _stamp(path: str) -> list[int]:
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns]


def _reuse(entry: list[Any] | None, digest: str, old: str, target: str) -> bool:
    """Hard-link the last build's `old` as `target` when its manifest `entry` says it holds
    `digest` and the file still has the size and mtime the manifest recorded."""
    if entry is None or entry[0] != digest:
        return False
    try:
        if _stamp(old) != entry[1:]:
            return False
        os.link(old, target)
    except OSError:
        return False
    return True


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Record what was written, for the next build; a manifest that can't be saved only costs that build time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(json.dumps({"key": manifest.key, "files": manifest.files, "keys": manifest.keys}, sort_keys=True), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        return


def _swap(staging: Path, output: Path) -> None:
    """One atomic exchange where possible; otherwise two renames, the old tree removed only once
    the new one is in place (`recover` finishes the job if the process dies in between)."""
    if not output.exists():
        os.rename(staging, output)
        return
    if exchange(staging, output):
        _discard(staging)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    retired.rmdir()
    os.rename(output, retired)
    try:
        os.rename(staging, output)
    except BaseException:
        os.rename(retired, output)
        raise
    _discard(retired)


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing folders in one step; False where the platform or file system can't."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's renameat2 (2.28+), found at run time so other systems fall back to renames."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return None
    if function is not None:
        function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        function.restype = ctypes.c_int
    return function


def _discard(path: Path) -> None:
    if path.is_symlink():
        path.unlink(missing_ok=True)
    else:
        _remove_tree(path)


_REMOVERS = 8


def _remove_tree(root: Path) -> None:
    """`shutil.rmtree`, run on several folders at once, deepest first. On ext4 over a virtual disk
    each rmdir waits about 2 ms for the device, so removing the last build's 675 folders serially
    took 1.5 s, a quarter of a build after one edit; eight at a time overlap the waits (0.3 s).
    Every removal still goes through rmtree, which never follows a link out of the tree."""
    levels: dict[int, list[str]] = {}
    for folder, _, _ in os.walk(root):
        levels.setdefault(folder.count(os.sep), []).append(folder)
    if len(levels) > 1:
        with ThreadPoolExecutor(_REMOVERS) as pool:
            for depth in sorted(levels, reverse=True)[:-1]:
                list(pool.map(partial(shutil.rmtree, ignore_errors=True), levels[depth]))
    shutil.rmtree(root, ignore_errors=True)


def recover(output: Path) -> None:
    """Tidy up after a killed build: if it died between the two fallback renames, put the last good
    site back; then remove its staging and retired folders, which no reader ever saw."""
    output = output.absolute()
    if not output.parent.is_dir():
        return
    name = glob.escape(output.name)
    try:
        with _locked(output.parent):
            retired = sorted(output.parent.glob(f".{name}.old-*"), key=lambda p: p.lstat().st_ctime_ns)
            if retired and not output.exists() and not output.is_symlink():
                os.rename(retired.pop(), output)
            for leftover in [*retired, *output.parent.glob(f".{name}.new-*")]:
                _discard(leftover)
    except OSError as exc:
        raise OutputError(f"cannot restore or tidy the output folder {output}: {exc.strerror or exc}") from None
