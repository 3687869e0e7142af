"""What each host was last seen to hold, so the next deploy needs no listing of it.

After a verified deploy the host carries a token (its marker names a digest of the site it holds;
a git branch has its head commit), and this remembers that token with the site's files and
hashes, in memory for the resident publisher and in the content's cache folder between runs.
A deploy that finds the host still carrying the token it remembers plans from what it remembers
(a 24,000-file bucket is otherwise 24 listing requests before and again after); anything else (a
host published by another machine, a first deploy, a lost cache) is listed in full as before.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

from generator.content.cache import write_pickle


@dataclass(frozen=True)
class Known:
    token: str
    state: dict[str, str | None]


class Memory:
    """Known states by target name, kept in `folder` (None: for this process only)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._known: dict[str, Known] = {}

    def get(self, name: str) -> Known | None:
        found = self._known.get(name)
        if found is None and self.folder is not None:
            try:
                loaded = pickle.loads(self._path(name).read_bytes())
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
                loaded = None
            if isinstance(loaded, Known):
                found = self._known[name] = loaded
        return found

    def remember(self, name: str, known: Known | None) -> None:
        """Note what the host holds now (None: forget it, the host's state is not known)."""
        if known is None:
            self._known.pop(name, None)
        else:
            self._known[name] = known
        if self.folder is None:
            return
        if known is not None:
            write_pickle(self._path(name), known)
            return
        try:
            self._path(name).unlink(missing_ok=True)
        except OSError:
            return

    def _path(self, name: str) -> Path:
        assert self.folder is not None
        return self.folder / f"deploy-{name}.published"
