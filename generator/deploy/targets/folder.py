"""A folder a web server serves, replaced in one atomic swap.

The new site is assembled in a hidden sibling folder (unchanged files are hard links to the
published ones, so only changed files are written), then swapped with the published folder
in one system call: a reader sees the old site or the new one, never a mix. The folder is
Noticeboard's alone: a marker file proves that, so a mistyped path can't wipe someone else's.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from generator.content.deploy_config import FolderConfig
from generator.content.names import safe_relative
from generator.deploy.plan import Plan
from generator.deploy.targets import MARKER, MARKER_TEXT, TargetError
from generator.output.write import recover

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class FolderTarget:
    def __init__(self, config: FolderConfig) -> None:
        self.path = config.path.resolve()  # a symlinked folder is swapped where it really lives

    def digest(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def prepare(self, files: Mapping[str, bytes]) -> dict[str, bytes]:
        return dict(files)

    def state(self) -> dict[str, str | None]:
        recover(self.path)
        if not self.path.exists():
            return {}
        if not self.path.is_dir():
            raise TargetError(f"{self.path} exists and is not a folder")
        found: dict[str, str | None] = {}
        for root, _dirs, names in os.walk(self.path):
            for name in names:
                full = Path(root, name)
                rel = full.relative_to(self.path).as_posix()
                if rel != MARKER:
                    found[rel] = self.digest(full.read_bytes())
        if found and not (self.path / MARKER).is_file():
            raise TargetError(f"{self.path} already holds files that Noticeboard did not publish; a deploy replaces "
                              "the whole folder, so empty it or choose another path")
        return found

    def apply(self, plan: Plan, files: Mapping[str, bytes]) -> str:
        if not plan.steps:
            return "folder already up to date"
        parent = self.path.parent
        parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        staging = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.deploy-", dir=parent))
        try:
            self._assemble(staging, plan, files)
            staging.chmod(self.path.stat().st_mode & 0o7777 if self.path.is_dir() else 0o755)
            self._swap(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return f"swapped in {self.path}"

    def read(self, path: str) -> bytes:
        return (self.path / path).read_bytes()

    def close(self) -> None:
        """Nothing to release: every step leaves the disk consistent."""

    def _assemble(self, staging: Path, plan: Plan, files: Mapping[str, bytes]) -> None:
        """The whole new site, writing only what the plan sends and linking the rest."""
        sent = {step.path for step in plan.uploads}
        for rel, data in files.items():
            target = staging.joinpath(*safe_relative(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            published = self.path / rel
            if rel not in sent and published.is_file():
                try:
                    os.link(published, target)
                    continue
                except OSError:
                    pass
            target.write_bytes(data)
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")

    def _swap(self, staging: Path) -> None:
        """After the swap `staging` holds the old site, which the caller removes."""
        if not self.path.exists():
            os.rename(staging, self.path)
            return
        if _exchange(staging, self.path):
            return
        retired = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.old-", dir=self.path.parent))
        retired.rmdir()
        os.rename(self.path, retired)
        try:
            os.rename(staging, self.path)
        except BaseException:
            os.rename(retired, self.path)
            raise
        os.rename(retired, staging)

    def _remove_leftovers(self) -> None:
        """Staging folders of a deploy that was killed; they were never visible to readers."""
        for pattern in (f".{self.path.name}.deploy-*", f".{self.path.name}.old-*"):
            for leftover in self.path.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 with RENAME_EXCHANGE); False where the system can't,
    and the caller falls back to two renames with a moment in between where the folder is missing."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
