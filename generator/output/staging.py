"""The staging folder a build writes the new site into, and what may be written there.

Every path is checked before anything is written, so no id, however odd, puts a file outside the
output folder or gives it a name some file system refuses. The folder may start empty or hold
the site two builds back (see Staging): the build then keeps what is still the live site's and
replaces the rest, which costs far less than linking every unchanged file again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from generator.content.names import check_relative
from generator.content.stamp import linked_stamp
from generator.errors import OutputError
from generator.output.manifest import Manifest


@contextmanager
def output_errors(output: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot write the site to {output}: {exc.strerror or exc}; hint: check that path, "
                          "the free disk space and the permissions of its folder") from None


def claim(spare: Path, root: Path) -> Inventory | None:
    """Move the site the last build set aside to `root` (an empty folder, which it replaces) and
    list what it holds; None when there is none, or it can't be listed (it is then removed)."""
    try:
        os.rename(spare, root)
    except OSError:
        return None
    try:
        found = Inventory(os.stat(root).st_dev)
        found.take(f"{root}{os.sep}", "")
    except OSError:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(mode=0o700)
        return None
    return found


@dataclass
class Inventory:
    """A recycled staging folder's files, by path, as (device, inode) (os.scandir gives the
    inode without a stat), and its folders."""

    device: int
    files: dict[str, tuple[int, int]] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)

    def take(self, root: str, prefix: str) -> None:
        """List the folder `root` + `prefix`; anything but files and folders (a link, a FIFO) is
        removed, never followed."""
        with os.scandir(root + prefix) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    self.folders.add(rel)
                    self.take(root, rel + "/")
                elif entry.is_file(follow_symlinks=False):
                    self.files[rel] = (self.device, entry.inode())
                else:
                    os.unlink(entry.path)

    def forget(self, path: str) -> None:
        """Strike off whatever was at `path`, file or folder (with all it held): it was taken or removed."""
        if self.files.pop(path, None) is None and path in self.folders:
            inside = path + "/"
            self.files = {p: found for p, found in self.files.items() if not p.startswith(inside)}
            self.folders = {f for f in self.folders if f != path and not f.startswith(inside)}


class Staging:
    """The new site as it is written, and `written`: the manifest entry of every file.

    A `recycled` folder already holds a site: the one two builds back, which the last build set
    aside (`staged`). A file there that is the output's own file (the same inode: it has not
    changed since) stays as it is, any other is replaced, and `finish` removes whatever the new
    site does not have. At 10,000 incidents hard-linking 22,000 unchanged files into an empty
    folder and removing the old tree's 675 folders took a third of a build after one edit.
    New files are always created afresh (never written through a name already there), so no
    write can reach a file the live site shares. Paths are joined as strings: pathlib's parsing
    and joining cost more than the hard links themselves.

    Forked render workers write into the same folder, each through its own copy of this object
    (site/render.py): the building process makes the folders of their paths first (`prepare`),
    so a worker's `put` touches nothing but its own path; it hands back each file's entry
    (`handed`), which the building process `record`s as if it had put the file itself. Every
    path is one process's alone (the claims see to that), so the copies never disagree about it."""

    def __init__(self, root: Path, output: Path, previous: Manifest | None,
                 recycled: Inventory | None = None) -> None:
        self.root, self.output = root, output
        self._root, self._output = f"{root}{os.sep}", f"{output}{os.sep}"
        self.previous = previous.files if previous else {}
        self.written: dict[str, list[Any]] = {}
        self._folders: set[str] = set()
        self._present = recycled or Inventory(0)  # what the recycled folder holds that is not yet taken

    def put(self, path: str, data: bytes) -> None:
        """Write one file (or hard-link the last build's copy when its bytes are the same)."""
        target = self._target(path)
        digest = hashlib.sha256(data).hexdigest()
        with output_errors(self.output):
            if not self._link(path, target, self.previous.get(path), digest):
                handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                with open(handle, "wb") as file:
                    file.write(data)
            self.written[path] = [digest, *_stamp(target)]

    def prepare(self, paths: Iterable[str]) -> None:
        """Make the folders `paths` go in (each path checked), before workers fork to `put` them."""
        firsts: dict[str, str] = {}
        for path in paths:
            firsts.setdefault(path.rpartition("/")[0], path)
        for path in firsts.values():
            self._target(path)

    def handed(self, path: str) -> list[Any]:
        """In a forked worker, after `put`: the manifest entry of `path`, for the building process."""
        return self.written.pop(path)

    def record(self, path: str, entry: list[Any]) -> None:
        """In the building process: a worker put `path` (into a folder `prepare` made), and it holds `entry`."""
        self.written[path] = entry
        self._present.forget(path)

    def keep(self, path: str) -> bool:
        """Hard-link the last build's `path` unread, its digest taken from the manifest: a page
        rendered from the same inputs (reuse.py) has the same bytes. False if it can't be."""
        entry = self.previous.get(path)
        if entry is None:
            return False
        target = self._target(path)
        with output_errors(self.output):
            if not self._link(path, target, entry, entry[0]):
                return False
        self.written[path] = list(entry)
        return True

    def adopt(self, path: str, digest: str) -> bool:
        """Take the live output's regular file at `path` unread, for a caller that knows it is
        unchanged and holds `digest` (a deploy whose plan does not send it): kept where the recycled
        folder holds that very file, hard-linked otherwise; False if there is none to take."""
        source = self._output + path
        try:
            stat = os.stat(source, follow_symlinks=False)
        except OSError:
            return False
        if not S_ISREG(stat.st_mode):
            return False
        target = self._target(path)
        with output_errors(self.output):
            if self._present.files.get(path) == (stat.st_dev, stat.st_ino):
                del self._present.files[path]
            else:
                self._vacate(path)
                try:
                    os.link(source, target)
                except OSError:
                    return False
        self.written[path] = [digest, *linked_stamp(stat)]
        return True

    def finish(self) -> None:
        """Remove what a recycled folder held that the new site does not have."""
        for path in self._present.files:
            os.unlink(self._root + path)
        needed = {prefix for folder in self._folders for prefix in _prefixes(folder)}
        for folder in sorted(self._present.folders - needed, key=lambda f: f.count("/"), reverse=True):
            os.rmdir(self._root + folder)
        self._present = Inventory(0)

    def _link(self, path: str, target: str, entry: list[Any] | None, digest: str) -> bool:
        """Make `target` the last build's file when its manifest `entry` says it holds `digest`
        and the output's file still has the size and mtime recorded; else leave `target` free."""
        old = self._output + path
        found = _stamped(old, entry) if entry is not None and entry[0] == digest else None
        if found is not None and self._present.files.get(path) == found:
            del self._present.files[path]
            return True
        self._vacate(path)
        if found is None:
            return False
        try:
            os.link(old, target)
        except OSError:
            return False
        return True

    def _vacate(self, path: str) -> None:
        """Remove whatever the recycled folder holds at `path`, file or folder."""
        present = self._present
        if path in present.files:
            os.unlink(self._root + path)
        elif path in present.folders:
            shutil.rmtree(self._root + path)
        present.forget(path)

    def _target(self, path: str) -> str:
        """Where `path` goes in the staging folder, its folder made (once per folder)."""
        check_relative(path)
        folder = path.rpartition("/")[0]
        if folder not in self._folders:
            with output_errors(self.output):
                for prefix in _prefixes(folder):  # the recycled folder may hold a file where a folder goes
                    if prefix in self._present.files:
                        self._vacate(prefix)
                os.makedirs(self._root + folder, exist_ok=True)
            self._folders.add(folder)
        return self._root + path


def _prefixes(folder: str) -> list[str]:
    """"a", "a/b", "a/b/c" for "a/b/c"; none for the root ("")."""
    parts = folder.split("/") if folder else []
    return ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]


def _stamped(path: str, entry: list[Any]) -> tuple[int, int] | None:
    """(device, inode) of the file at `path` if it still has the stamp its manifest `entry`
    records, else None."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if list(linked_stamp(stat)) == entry[1:] else None


def _stamp(path: str) -> list[int]:
    return list(linked_stamp(os.stat(path)))
