"""The one check sequence, for `check`, `build` and the preview alike: read every content file
(through the content cache, its unknown notices checked in workers first), validate, build the
model, and remember what was checked for the next run.

Every problem is gathered before any is raised, so the operator sees them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.content.cache import ContentCache, collector_paused
from generator.content.load import ContentFiles, load_content
from generator.content.yamlfile import Document, LoadFailure, parse_yaml
from generator.errors import ContentError, Problem, display_path

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


def check_as_if(last: CheckResult, notice: Path, text: str) -> CheckResult:
    """`check` of the content `last` checked, as it would be with the notice file `notice` holding
    `text`: a command that edits a notice runs every check on its result before it writes a byte.
    Only that one text is read; the content cache is not told of it, since it is not on disk."""
    with collector_paused():
        return _verdict(_replaced(last.files, notice, text))


def _check(content_dir: Path, use_cache: bool) -> CheckResult:
    from generator.content.coldcheck import prefill

    cache = ContentCache.open(content_dir) if use_cache else ContentCache.scratch(content_dir)
    prefill(content_dir, cache)
    files = load_content(content_dir, cache)
    result = _verdict(files)
    if use_cache:
        remember(cache, files, result.content, list(result.warnings))
    return result


def _verdict(files: ContentFiles) -> CheckResult:
    """Validate loaded content; ContentError with every problem, or the model and its warnings."""
    from generator.content.model import build_model
    from generator.content.validate import validate

    problems = validate(files)
    known = [w for folder in files.cached.values() for _, _, entry in folder for w in entry.warnings]
    if files.site is None or files.services is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems + known)
    content = build_model(files)
    warnings = [p for p in problems if p.severity != "error"] + known
    return CheckResult(content, tuple(sorted(warnings, key=Problem.sort_key)), files)


def _replaced(files: ContentFiles, notice: Path, text: str) -> ContentFiles:
    """`files` with `text` in place of the notice file `notice`, under the name it is shown by."""
    folder = notice.parent.name
    name = display_path(files.root / folder, files.root.parent) + "/" + notice.name
    edited = ContentFiles(root=files.root, site=files.site, services=files.services,
                          incidents=list(files.incidents), maintenance=list(files.maintenance),
                          problems=[p for p in files.problems if p.location.file != name],
                          cached={key: [known for known in found if known[1] != name]
                                  for key, found in files.cached.items()})
    docs: list[Document] = getattr(edited, folder)
    docs[:] = [d for d in docs if d.name != name]
    try:
        doc = parse_yaml(text, notice, name)
    except LoadFailure as failure:
        edited.problems.append(failure.problem)
        return edited
    edited.problems.extend(doc.warnings)
    docs.append(doc)
    return edited


def remember(cache: ContentCache, files: ContentFiles, content: Content, warnings: list[Problem]) -> None:
    """Store every freshly checked notice, with its own warnings, so the next run can skip it."""
    from generator.content.coldcheck import cache_entries

    for name, entry in cache_entries(files, content, warnings):
        cache.store(name, entry.digest, entry.value, entry.warnings)
    cache.save()
