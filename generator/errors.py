"""Problems found in content, reported all at once with file, line, column and a hint.

An on-call operator fixes notices under pressure; one complete list of everything wrong
beats a fix-rerun loop that reveals one mistake at a time.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where a problem is, 1-based like every editor shows it."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content; `field` is the dotted key path inside the file."""

    location: Location
    message: str
    hint: str = ""
    field: str = ""
    severity: str = "error"

    def format(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.file, self.location.line, self.location.column, self.message)


class NoticeboardError(Exception):
    """Base of every error meant for a human; the CLI prints these without a traceback."""


class FlagErrors(NoticeboardError):
    """Every mistake in one command line's flags: an operator typing a long command under pressure
    fixes them in one go rather than one per run. Printed as one `error:` line each."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("\nerror: ".join(messages))


class ContentError(NoticeboardError):
    """The content has problems. What follows from that is the command's to say: `build` wrote
    nothing, `update` left the file as it was, and `check`, which never writes, has nothing to add."""

    def __init__(self, problems: list[Problem], subject: str = "the content") -> None:
        self.problems, self.subject = sorted(problems, key=Problem.sort_key), subject
        count = len([p for p in self.problems if p.severity == "error"])
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {subject}")

    def __reduce__(self) -> tuple[type[ContentError], tuple[list[Problem], str]]:
        """Pickled whole, so one raised in a render worker reaches the build with its problems."""
        return type(self), (self.problems, self.subject)

    def report(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class ThemeError(ContentError):
    """The theme can't be used: not found, not a name, a label missing, a labels.yaml malformed.
    Reported like content problems, each naming its file (and line where there is one), since an
    operator fixes them the same way: a theme is trusted code, but a site's own theme is edited
    by the same people who edit the notices."""

    def __init__(self, problems: list[Problem], subject: str = "the theme") -> None:
        super().__init__(problems, subject)


class OutputError(NoticeboardError):
    """The output could not be written where asked (unsafe path, not a folder, …)."""


def display_path(path: Path, root: Path) -> str:
    """Paths relative to the content's parent read like the operator's own tree."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return path.as_posix()


def did_you_mean(value: str, choices: list[str] | tuple[str, ...]) -> str:
    """The choice meant: the ones the value begins (`gov-id` for `gov-id-verification`, `card`
    for a handful of card services: an id typed short), else a close match for a typo, else the
    full list."""
    typed, names = str(value), [str(c) for c in choices]
    begun = [name for name in names if name.startswith(typed)] if len(typed) >= 2 else []
    if 1 <= len(begun) <= 6:
        return "did you mean " + (f"'{begun[0]}'?" if len(begun) == 1
                                  else "one of " + ", ".join(f"'{name}'" for name in begun) + "?")
    close = difflib.get_close_matches(typed, names, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "expected one of: " + ", ".join(names)
