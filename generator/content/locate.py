"""Positions for problems found after the files were read (in the model or the state at `now`,
which keep none): each such problem names its file and field, and the file is read again, once,
to point at the line and column, as every other problem does."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.content.load import read_text
from generator.content.yamlfile import Document, KeyPath, LoadFailure, parse_yaml
from generator.errors import Problem


def locate(problems: Iterable[Problem], content_dir: Path) -> tuple[Problem, ...]:
    """`problems`, those with a field but no line given the line and column of that field."""
    documents: dict[str, Document | None] = {}
    found = []
    for problem in problems:
        where = problem.location
        if where.line or not problem.field:
            found.append(problem)
            continue
        if where.file not in documents:
            documents[where.file] = _read(content_dir.resolve().parent / where.file, where.file)
        doc = documents[where.file]
        location = doc.loc(_keys(problem.field)) if doc is not None else where
        found.append(Problem(location, problem.message, problem.hint, problem.field, problem.severity))
    return tuple(found)


def _read(path: Path, name: str) -> Document | None:
    """The file as it is now; None if it can't be read (it changed since: the problem keeps its file)."""
    try:
        return parse_yaml(read_text(path, name), path, name)
    except (LoadFailure, OSError):
        return None


def _keys(field: str) -> KeyPath:
    return tuple(int(part) if part.isdigit() else part for part in field.split("."))
