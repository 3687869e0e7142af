"""What a Markdown body may cost: how deep its quotes and lists nest, how many cells its tables
have, and how much HTML one notice's bodies make, checked by `check` before anything is rendered.

A text within the length limit could still cost minutes: 10 updates of 20,000 characters of
nested `> ` took 19 s to build and wrote 51 MB (the sanitiser's and the plain-text pass's work
grows with the square of the depth, once per page and feed that shows a body), and a 50-column
table header over 9,000 one-letter lines became 450,000 padded cells, 4.6 MB of HTML per body.
Most bodies are cleared by a quick look at their text; only those that might break a limit are
parsed (cmark-gfm, linear in the text) to measure exactly. The figures are in docs/limits.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.content.yamlfile import Document, KeyPath
from generator.errors import Problem

MAX_NESTING = 10
MAX_TABLE_CELLS = 2_000
MAX_NOTICE_HTML = 8 * 1024 * 1024

# Bytes of HTML one byte of Markdown can make at most outside tables, with quotes and lists
# nested at most MAX_NESTING deep: ten `>` and a blank line become ten empty block quotes.
_EXPANSION = 24
_PER_TEXT = 64
_UTF8_MAX = 4  # bytes of a character
_PER_CELL = 32  # `<td align="center"></td>` and its row's share
_REFERENCES = 128 * 1024  # cmark-gfm stops expanding link references past about 100 KB per text
# A line that could open more than MAX_NESTING quotes and lists (each needs one character of its
# line's lead, or two columns of indentation: a tab may stand for two).
_DEEP_LEAD = re.compile(rf"^[ \t>*+\-0-9.)]{{{(MAX_NESTING + 2) // 2},}}", re.MULTILINE)
_DELIMITER = re.compile(r"[|:\- \t]*\|[|:\- \t]*")
_DASHES = re.compile(r"-+")


@dataclass(frozen=True)
class Cost:
    """What one text may cost: `html` is an upper bound of its HTML's size (exact once `measured`)."""

    html: int
    measured: bool = False


class TooCostly(Exception):
    """A text breaks a limit: the message and hint for the operator."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def text_cost(text: str) -> Cost:
    """The cost of one Markdown text, or TooCostly when its tables or nesting break a limit."""
    cells = _table_cells(text) if "|" in text else 0
    if cells > MAX_TABLE_CELLS:
        raise TooCostly(f"this text's tables have up to {cells:,} cells; the limit is {MAX_TABLE_CELLS:,}",
                        "a table's rows are padded to its header's columns: keep tables small, and link to a "
                        "longer list rather than pasting it")
    bound = len(text) * _UTF8_MAX * _EXPANSION + _PER_TEXT + cells * _PER_CELL  # no encoding: 90,000 texts a check
    if "]:" in text:
        bound += _REFERENCES
    if not _DEEP_LEAD.search(text):
        return Cost(bound)
    from generator.content.markup import measure

    size = measure(text, MAX_NESTING)
    if size is None:
        raise TooCostly(f"quotes and lists are nested more than {MAX_NESTING} levels deep",
                        "a notice needs a level or two: take out the extra '>' or indentation")
    return Cost(size, measured=True)


def notice_html(texts: list[str], costs: list[Cost]) -> int:
    """The size of the HTML one notice's Markdown texts make: worked out exactly (cmark-gfm's
    output, before sanitising) only when their bounds add up to more than MAX_NOTICE_HTML."""
    bound = sum(cost.html for cost in costs)
    if bound <= MAX_NOTICE_HTML:
        return bound
    from generator.content.markup import measure

    return sum(cost.html if cost.measured else measure(text, 0) or 0 for text, cost in zip(texts, costs))


def markdown_problems(doc: Document, texts: list[tuple[KeyPath, Any]], whole: KeyPath) -> list[Problem]:
    """Problems of a notice's Markdown `texts` (each a text or a text per language, at its path):
    each text's nesting and tables where it is, and the HTML they make together at `whole`."""
    problems, found, costs = [], [], []
    for path, value in texts:
        for language, text in value.items() if isinstance(value, dict) else ((None, value),):
            try:
                costs.append(text_cost(text))
                found.append(text)
            except TooCostly as costly:
                where = path + (language,) if language else path
                problems.append(Problem(doc.loc(where), costly.message, costly.hint, ".".join(map(str, where))))
    size = notice_html(found, costs)
    if size > MAX_NOTICE_HTML:
        problems.append(Problem(doc.loc(whole), f"the Markdown bodies make {size / 2**20:.1f} MB of HTML; the limit is "
                                f"{MAX_NOTICE_HTML // 2**20} MB per notice", "resolve this incident with a last update "
                                "and go on in a new incident file, or write the bodies more plainly",
                                ".".join(map(str, whole))))
    return problems


def _table_cells(text: str) -> int:
    """An upper bound of the cells of every table in `text`: each delimiter row (`|---|:-:|`)
    times the lines from it up to a blank line (each a row, padded to the header's width), and
    the header."""
    lines = [line.strip(" \t>") for line in text.splitlines()]
    cells, run = 0, 0
    for line in reversed(lines):  # `run`: this line and the non-blank ones after it
        run = run + 1 if line else 0
        if "-" in line and _DELIMITER.fullmatch(line):
            cells += len(_DASHES.findall(line)) * run
    return cells
