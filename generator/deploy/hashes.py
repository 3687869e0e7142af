"""Each file's hash in a host's own scheme (MD5, which S3 reports as ETags; git's blob id),
remembered by the file's sha256, which the build already knows: a deploy reads a file to hash it
only the first time it sees those bytes, not every file on every deploy."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path

from generator.content.cache import write_pickle


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


SCHEMES: dict[str, Callable[[bytes], str]] = {"md5": md5, "git": git_blob}


class Hashes:
    """Hashes by (scheme, sha256), kept in `path` between deploys (None: for this run only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._known: dict[tuple[str, str], str] = {}
        self._dirty = False
        if path is not None:
            try:
                found = pickle.loads(path.read_bytes())
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
                found = None
            if isinstance(found, dict):
                self._known = found

    def of(self, scheme: str, sha256: str, read: Callable[[], bytes]) -> str:
        """The `scheme` hash of the file whose sha256 is `sha256`; `read` gives its bytes if need be."""
        found = self._known.get((scheme, sha256))
        if found is None:
            found = self._known[(scheme, sha256)] = SCHEMES[scheme](read())
            self._dirty = True
        return found

    def save(self) -> None:
        """Keep what was learnt; a failure only costs the next deploy some reading."""
        if self.path is None or not self._dirty:
            return
        write_pickle(self.path, self._known)
