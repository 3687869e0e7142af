"""Watching content and theme for saves: one rebuild per burst, never for an editor's litter.

Editors save in odd ways: vim writes a probe file `4913` and a swap file `.x.yaml.swp`, emacs
a lock `.#x.yaml` and a backup `x.yaml~`, JetBrains IDEs `x.yaml___jb_tmp___` renamed over the
original, others a hidden temp file renamed into place; a branch switch touches hundreds of files
at once. So events for temp and swap files (and for anything under an ignored folder, such as a
build's output) are dropped, a rename counts as a change of its destination, and the callback runs
once the events have been quiet for a moment (or a burst has lasted too long to wait for).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

QUIET = 0.04
LONGEST = 1.0
TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".swn", ".tmp", ".temp", ".part", ".crdownload", ".bak", ".orig",
                 ".kate-swp", "___jb_tmp___", "___jb_old___")
TEMP_NAMES = {"4913"}
_IGNORED_EVENTS = {"opened", "closed_no_write"}


def is_litter(path: Path, root: Path) -> bool:
    """Temp, swap, backup and hidden files (and anything in a hidden folder such as .git) below `root`."""
    name = path.name
    if name in TEMP_NAMES or name.startswith(("#", "~")) or name.endswith(TEMP_SUFFIXES):
        return True
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (name,)
    return any(part.startswith(".") for part in parts)


class Debouncer:
    """Collects paths and hands them to `callback` in one batch per burst, on its own thread."""

    def __init__(self, callback: Callable[[set[Path]], None], quiet: float = QUIET, longest: float = LONGEST) -> None:
        self.callback, self.quiet, self.longest = callback, quiet, longest
        self._pending: set[Path] = set()
        self._first = self._last = 0.0
        self._stopping = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="noticeboard-debounce")

    def start(self) -> None:
        self._thread.start()

    def add(self, paths: Iterable[Path]) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.update(paths)
            self._last = now
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                due = min(self._last + self.quiet, self._first + self.longest) - time.monotonic()
                if due > 0:
                    self._cond.wait(due)
                    continue
                batch, self._pending = self._pending, set()
            self.callback(batch)


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, ignored: tuple[Path, ...], sink: Callable[[Iterable[Path]], None]) -> None:
        self.root, self.ignored, self.sink = root, ignored, sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _IGNORED_EVENTS or (event.is_directory and event.event_type == "modified"):
            return
        paths = [Path(str(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        relevant = [p for p in paths if not is_litter(p, self.root) and not _under(p, self.ignored)]
        if relevant:
            self.sink(relevant)


def _under(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


class Watcher:
    """Watches folders recursively and reports relevant changes to a Debouncer."""

    def __init__(self, callback: Callable[[set[Path]], None], ignore: Iterable[Path] = (),
                 quiet: float = QUIET) -> None:
        self.ignored = tuple(Path(p).resolve() for p in ignore)
        self.debouncer = Debouncer(callback, quiet)
        self._observer = Observer()
        self._watches: dict[Path, object] = {}

    def start(self, roots: Iterable[Path]) -> None:
        self.watch(roots)
        self.debouncer.start()
        self._observer.start()

    def watch(self, roots: Iterable[Path]) -> None:
        """Watch exactly these folders (the theme may change when site.yaml names another one)."""
        wanted = {Path(r).resolve() for r in roots}
        for gone in set(self._watches) - wanted:
            self._observer.unschedule(self._watches.pop(gone))  # type: ignore[arg-type]
        for root in sorted(wanted - set(self._watches)):
            handler = _Handler(root, self.ignored, self.debouncer.add)
            self._watches[root] = self._observer.schedule(handler, str(root), recursive=True)

    def stop(self) -> None:
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join()
        self.debouncer.stop()
