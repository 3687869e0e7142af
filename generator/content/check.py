"""The one check sequence, for `check`, `build` and the preview alike: read every content file
(through the content cache, its unknown notices checked in workers first), validate, build the
model, and remember what was checked for the next run.

Every problem is gathered before any is raised, so the operator sees them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content.cache import ContentCache, collector_paused, file_digest
from generator.content.load import ContentFiles, load_content
from generator.content.yamlfile import Document, LoadFailure, parse_yaml
from generator.errors import ContentError, Problem

if TYPE_CHECKING:
    from generator.content.model import Content


@dataclass(frozen=True)
class CheckResult:
    """The model, the warnings to show, and the files as loaded (the preview keeps them to re-read
    only what changes)."""

    content: Content
    warnings: tuple[Problem, ...]
    files: ContentFiles = field(compare=False, repr=False)


def check(content_dir: Path, use_cache: bool = True) -> CheckResult:
    """Load and validate; raise ContentError with every problem, or return the model.

    Loading runs with the garbage collector paused, and `collector_paused` freezes the model out
    of its reach afterwards: the model lives until the process ends and holds no cycles, and the
    first full collection over 10,000 freshly loaded incidents cost as much as loading them."""
    with collector_paused():
        return _check(content_dir, use_cache)


def check_as_if(content_dir: Path, notice: Path, text: str) -> CheckResult:
    """`check` of the content as it would be with the notice file `notice` holding `text`: a command
    that edits a notice runs every check on its result before it writes a byte."""
    with collector_paused():
        return _check(content_dir, True, (notice, text))


def _check(content_dir: Path, use_cache: bool, edit: tuple[Path, str] | None = None) -> CheckResult:
    from generator.content.coldcheck import prefill
    from generator.content.model import build_model
    from generator.content.validate import validate

    cache = ContentCache.open(content_dir) if use_cache else ContentCache.scratch(content_dir)
    prefill(content_dir, cache)
    files = load_content(content_dir, cache)
    if edit is not None:
        _replace(files, *edit)
    problems = validate(files)
    known = [w for folder in files.cached.values() for _, _, entry in folder for w in entry.warnings]
    if files.site is None or files.services is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems + known)
    content = build_model(files)
    warnings = [p for p in problems if p.severity != "error"] + known
    if use_cache:
        remember(cache, files, content, warnings)
    return CheckResult(content, tuple(sorted(warnings, key=Problem.sort_key)), files)


def _replace(files: ContentFiles, notice: Path, text: str) -> None:
    """Put `text` in place of the notice file `notice` as loaded, under the name it is shown by."""
    folder = notice.parent.name
    docs: list[Document] = getattr(files, folder)
    resolved = notice.resolve()
    name = next(n for p, n in files.names(folder) if p.resolve() == resolved)
    docs[:] = [d for d in docs if d.name != name]
    files.cached[folder] = [known for known in files.cached[folder] if known[1] != name]
    files.problems = [p for p in files.problems if p.location.file != name]
    try:
        doc = parse_yaml(text, notice, name)
    except LoadFailure as failure:
        files.problems.append(failure.problem)
        return
    doc.digest = file_digest(text.encode("utf-8"))
    files.problems.extend(doc.warnings)
    docs.append(doc)


def remember(cache: ContentCache, files: ContentFiles, content: Content, warnings: list[Problem]) -> None:
    """Store every freshly checked notice, with its own warnings, so the next run can skip it."""
    from generator.content.coldcheck import cache_entries

    for name, entry in cache_entries(files, content, warnings):
        cache.store(name, entry.digest, entry.value, entry.warnings)
    cache.save()
