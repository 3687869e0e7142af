"""Whether a folder (or a bucket prefix) is Noticeboard's to replace, and which folders never are.

A build replaces its whole output folder, and a deploy the whole folder or prefix it publishes
to, so a mistyped path must not take anyone's files with it: `build -o docs` used to set the
user's own notes aside and delete them on the next build, `-o content/incidents` the notices.
What Noticeboard writes carries a marker file, and a location that holds anything else but no
marker is refused: one check, here, for builds and deploys alike.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from generator.errors import OutputError

V = TypeVar("V")

_PROJECT_MARKS = (".git", "site.yaml", "content/site.yaml")
_SHOWN = 3


@dataclass(frozen=True)
class Owner:
    """Who writes a location, and the marker file that proves it."""

    marker: str
    text: str
    action: str  # what Noticeboard did there, for messages: "build", "publish"


BUILT = Owner(".noticeboard-build", "This folder is written by `noticeboard build`; every build replaces all of it.\n",
              "build")


class ForeignFiles(OutputError):
    """The location holds files Noticeboard did not write there."""


def claim(found: dict[str, V], owner: Owner, where: str, remedy: str) -> bool:
    """Whether the listing `found` of a location carries `owner`'s marker (taken out of it, as it
    is not part of the site). A location holding anything else but no marker was not written by
    Noticeboard, and is replaced as a whole: ForeignFiles, naming `where`, some of the files and
    the `remedy`."""
    marked = owner.marker in found  # its value may be None (a bucket that can't tell a file's hash)
    found.pop(owner.marker, None)
    if found and not marked:
        names = sorted(found)
        shown = ", ".join(names[:_SHOWN]) + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")
        raise ForeignFiles(f"{where} already holds files that Noticeboard did not {owner.action} ({shown}), and a "
                           f"{owner.action} replaces all of it; hint: {remedy}")
    return marked


def claim_folder(output: Path, owner: Owner, vouched: bool) -> None:
    """Refuse to replace `output` unless it is missing, empty, marked as `owner`'s, or `vouched`
    for (the last build's manifest matches it file for file: a site built before markers)."""
    if vouched or not output.is_dir():
        return
    claim(dict.fromkeys(os.listdir(output)), owner, f"{output}",
          "choose an empty or new folder, such as public/ (or remove this one if it only holds an old build)")


def refuse_precious(output: Path, keep_clear: Mapping[str, Path]) -> None:
    """Refuse an output folder that is, holds or lies inside a folder a build reads (`keep_clear`:
    the content, the theme, by what to call them), or that holds the current folder, the home
    folder or a project (`-o .`, `-o ..`, a folder with `.git` or `site.yaml`)."""
    resolved = output.resolve()
    for precious, what in ((Path.cwd(), "the folder you are working in"), (Path.home(), "your home folder")):
        if precious.resolve().is_relative_to(resolved):
            raise OutputError(f"refusing to replace {output}: it is or contains {what}, and a build replaces the "
                              "whole output folder; hint: choose a folder of its own, such as public/")
    for mark in _PROJECT_MARKS:
        if (resolved / mark).exists():
            raise OutputError(f"refusing to replace {output}: it holds {mark}, so it is a project or repository, not "
                              "a built site; hint: choose a folder of its own, such as public/")
    for what, folder in keep_clear.items():
        read = folder.resolve()
        relation = "is" if read == resolved else "holds" if read.is_relative_to(resolved) else \
            "lies inside" if resolved.is_relative_to(read) else ""
        if relation:
            raise OutputError(f"refusing to build into {output}: it {relation} {what} ({folder}), and a build replaces "
                              "its whole output folder; hint: choose a folder of its own, such as public/")
