"""Problems found in content, reported all at once with file, line, column and a hint.

An on-call operator fixes notices under pressure; one complete list of everything wrong
beats a fix-rerun loop that reveals one mistake at a time.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED_CONTROLS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with control characters written as escapes (\\n, \\x1b): a file name or id that
    holds a newline must not split a problem's line in two, nor an escape sequence reach the
    operator's terminal."""
    return _CONTROLS.sub(lambda found: _NAMED_CONTROLS.get(found[0], f"\\x{ord(found[0]):02x}"), text)


@dataclass(frozen=True)
class Location:
    """Where a problem is, 1-based like every editor shows it."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return printable(self.file)
        return f"{printable(self.file)}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content; `field` is the dotted key path inside the file."""

    location: Location
    message: str
    hint: str = ""
    field: str = ""
    severity: str = "error"

    def format(self) -> str:
        text = f"{self.location}: {self.severity}: {printable(self.message)}"
        if self.hint:
            text += f"\n    hint: {printable(self.hint)}"
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


# A file that breaks its schema after the first problems were explained (content/validate.py).
UNEXPLAINED = "this file has problems too, not explained: check stops explaining after the first 1,000"
# How much of a long list of problems is shown: the first of each file, and of them all.
REPORT_PER_FILE = 10
REPORT_TOTAL = 200


class ContentError(NoticeboardError):
    """The content has problems. What follows from that is the command's to say: `build` wrote
    nothing, `update` left the file as it was, and `check`, which never writes, has nothing to add."""

    def __init__(self, problems: list[Problem], subject: str = "the content") -> None:
        self.problems, self.subject = sorted(problems, key=Problem.sort_key), subject
        errors = [p for p in self.problems if p.severity == "error"]
        unexplained = sum(1 for p in errors if p.message == UNEXPLAINED)
        count = len(errors) - unexplained
        more = f", and more in {unexplained:,} files not explained" if unexplained else ""
        super().__init__(f"{count:,} problem{'s' if count != 1 else ''} in {subject}{more}")

    def __reduce__(self) -> tuple[type[ContentError], tuple[list[Problem], str]]:
        """Pickled whole, so one raised in a render worker reaches the build with its problems."""
        return type(self), (self.problems, self.subject)

    def shown(self) -> list[tuple[str, list[Problem], list[Problem]]]:
        """Each file with problems (site.yaml and services.yaml, which every page reads, before the
        notices), the problems of it to show (at most REPORT_PER_FILE, and REPORT_TOTAL in all),
        and those left out. 100,000 broken notices printed 1.2 million lines."""
        by_file: dict[str, list[Problem]] = {}
        for problem in self.problems:
            by_file.setdefault(problem.location.file, []).append(problem)
        groups, room = [], REPORT_TOTAL
        for file in sorted(by_file, key=lambda name: (name.count("/"), name)):
            found = by_file[file]
            cut = max(0, min(REPORT_PER_FILE, room))
            shown = _errors_first(found, cut)
            room -= len(shown)
            groups.append((file, [p for i, p in enumerate(found) if i in shown],
                           [p for i, p in enumerate(found) if i not in shown]))
        return groups

    def report(self) -> str:
        lines: list[str] = []
        unseen: list[Problem] = []
        files = 0
        for file, taken, left_out in self.shown():
            lines += [p.format() for p in taken]
            if taken and left_out:
                lines.append(f"{printable(file)}: {_more(left_out)} in this file, not shown")
            elif left_out:
                unseen += left_out
                files += 1
        if unseen:
            lines.append(f"… and {_more(unseen)} in {files:,} more file{'s' if files != 1 else ''}, not shown; "
                         "fix those above and run check again")
        return "\n".join(lines)


def _errors_first(found: list[Problem], cut: int) -> set[int]:
    """Which `cut` of a file's problems (by index) to show: its errors before its warnings, so a
    warning on every update (a missing English text) never hides the errors that stop the build."""
    return set(sorted(range(len(found)), key=lambda i: (found[i].severity != "error", i))[:cut])


def _more(problems: list[Problem]) -> str:
    """"3 more problems", or "more problems" where some were not explained, so not counted."""
    if any(p.message == UNEXPLAINED for p in problems):
        return "more problems"
    return f"{len(problems):,} more problem{'s' if len(problems) != 1 else ''}"


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
