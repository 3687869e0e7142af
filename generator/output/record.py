"""What the last build's pages and machine outputs read, kept beside its manifest for the next build.

Read only when a build has something to do (a no-op build stops at the manifest's key), and tied
to the manifest by the build's key, so a record that outlived its build is never used.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

from generator.content.cache import write_pickle
from generator.output.manifest import Manifest
from generator.state.fingerprint import Print
from generator.state.record import Record


@dataclass
class BuildRecord:
    """What each page (by view) and machine output of the build whose inputs' key is `key` read
    (state/record.py), for the next build to tell what must be made again. It holds only while
    Noticeboard's code, the themes, site.yaml, services.yaml and `--affiliate` are as they were
    (`base`): the record sees what pages read of the content and the state, not those."""

    key: str
    base: str
    pages: dict[str, Record] = field(default_factory=dict)
    outputs: dict[str, Print] = field(default_factory=dict)


def read_record(manifest: Path, previous: Manifest | None, base: str) -> BuildRecord:
    """The record of the build that wrote `previous` (the output as it is), if its base is `base`;
    otherwise an empty one, and everything is made anew. A record that can't be read only costs time."""
    if previous is not None:
        try:
            found = pickle.loads(_record_path(manifest).read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            found = None
        if isinstance(found, BuildRecord) and found.key == previous.key and found.base == base:
            return found
    return BuildRecord("", base)


def write_record(manifest: Path, record: BuildRecord) -> None:
    """Keep the record for the next build; written before the manifest that names its key."""
    write_pickle(_record_path(manifest), record)


def _record_path(manifest: Path) -> Path:
    return manifest.with_suffix(".record")
