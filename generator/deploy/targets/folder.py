"""A folder a web server serves, replaced in one atomic swap.

The new site is assembled in a staging folder beside it (unchanged files are hard links to the
published ones, so only changed files are written), then swapped in by the same code and under
the same lock as a build's output (output/write.py): a reader sees the old site or the new one,
never a mix. The folder is Noticeboard's alone: a marker file proves that, so a mistyped path
can't wipe someone else's.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from generator.content.deploy_config import FolderConfig
from generator.deploy.plan import Plan
from generator.deploy.targets.base import PUBLISHED, TargetError, claim_listing
from generator.errors import OutputError
from generator.output.write import recover, staged


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
                found[full.relative_to(self.path).as_posix()] = self.digest(full.read_bytes())
        claim_listing(found, str(self.path), "empty it or choose another path")
        return found

    def apply(self, plan: Plan, files: Mapping[str, bytes]) -> str:
        if not plan.steps:
            return "folder already up to date"
        sent = {step.path for step in plan.uploads}
        try:
            with staged(self.path, owner=PUBLISHED) as staging:
                for path, data in files.items():
                    if path in sent or not staging.adopt(path):
                        staging.put(path, data)
        except OutputError as exc:
            raise TargetError(str(exc)) from None
        return f"swapped in {self.path}"

    def read(self, path: str) -> bytes:
        return (self.path / path).read_bytes()

    def close(self) -> None:
        """Nothing to release: every step leaves the disk consistent."""
