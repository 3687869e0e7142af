"""A folder a web server serves, replaced in one atomic swap.

The new site is assembled in a staging folder beside it (unchanged files are hard links to the
published ones, so only changed files are written), then swapped in by the same code and under
the same lock as a build's output (output/write.py): a reader sees the old site or the new one,
never a mix. The folder is Noticeboard's alone: a marker file proves that, so a mistyped path
can't wipe someone else's.

What the folder holds is read through its files' stamps: a file with the inode, size and mtime
it had when last hashed is not read again (the stamps are kept in the content's cache folder),
so a deploy that changes a few pages of a 24,000-file site reads those, not all of them.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path

from generator.content.cache import write_atomic, write_pickle
from generator.content.deploy_config import FolderConfig
from generator.deploy.plan import Plan
from generator.deploy.targets.base import MARKER, PUBLISHED, Files, TargetError, claim_listing, marker, token_in
from generator.errors import OutputError
from generator.output.write import recover, staged

Seen = dict[str, tuple[tuple[int, int, int], str]]  # path → ((inode, size, mtime), sha256)


class FolderTarget:
    def __init__(self, config: FolderConfig, cache: Path | None) -> None:
        self.path = config.path.resolve()  # a symlinked folder is swapped where it really lives
        self._cache = cache / f"deploy-{config.name}.stamps" if cache is not None else None
        # The site two deploys back, set aside to be written over: a save that changes a few
        # hundred of 24,000 files then writes those, instead of linking every file again.
        self._spare = cache / f"deploy-{config.name}.spare" if cache is not None else None
        self._seen: Seen = _load(self._cache)

    def hash(self, sha256: str, read: Callable[[], bytes]) -> str:
        return sha256

    def extra(self) -> dict[str, bytes]:
        return {}

    def state(self) -> dict[str, str | None]:
        recover(self.path)
        if not self.path.exists():
            return {}
        if not self.path.is_dir():
            raise TargetError(f"{self.path} exists and is not a folder")
        found: dict[str, str | None] = {}
        seen: Seen = {}
        for root, _dirs, names in os.walk(self.path):
            for name in names:
                full = os.path.join(root, name)
                rel = os.path.relpath(full, self.path).replace(os.sep, "/")
                stat = os.stat(full)
                stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
                known = self._seen.get(rel)
                digest = known[1] if known is not None and known[0] == stamp else _sha256(full)
                seen[rel], found[rel] = (stamp, digest), digest
        self._seen = seen
        claim_listing(found, str(self.path), "empty it or choose another path")
        return found

    def published(self) -> str | None:
        try:
            return token_in((self.path / MARKER).read_bytes())
        except OSError:
            return None

    def apply(self, plan: Plan, files: Files, token: str) -> str:
        if not plan.steps:
            if self.published() != token and not write_atomic(self.path / MARKER, marker(token)):
                raise TargetError(f"cannot mark {self.path} as holding the site; hint: check its permissions")
            return "folder already up to date"
        sent = {step.path for step in plan.uploads}
        try:
            with staged(self.path, None, self._spare, owner=PUBLISHED) as staging:
                for path, digest in files.digests.items():
                    if path in sent or not staging.adopt(path, digest):
                        staging.put(path, files.read(path))
                staging.put(MARKER, marker(token))
        except OutputError as exc:
            raise TargetError(str(exc)) from None
        return f"swapped in {self.path}"

    def check_sent(self, plan: Plan, local: Mapping[str, str], token: str) -> None:
        """The marker, and the sent files read back from the folder by their sha256."""
        if self.published() != token:
            raise TargetError(f"{self.path}/{MARKER} does not name what was just published; run the deploy again")
        wrong = [step.path for step in plan.uploads if _sha256(str(self.path / step.path)) != local[step.path]]
        if wrong:
            raise TargetError(f"after the swap {len(wrong)} files differ ({', '.join(wrong[:5])}); run the deploy again")

    def read(self, path: str) -> bytes:
        return (self.path / path).read_bytes()

    def close(self) -> None:
        """Keep the stamps for the next deploy; a failure only costs it some reading."""
        if self._cache is None:
            return
        write_pickle(self._cache, self._seen)


def _sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _load(path: Path | None) -> Seen:
    if path is None:
        return {}
    try:
        found = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        return {}
    return found if isinstance(found, dict) else {}
