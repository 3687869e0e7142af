"""The whole pipeline for one build: load → validate → model → derive → render → write.

Kept as one short function so the stages read in order; each stage lives in its own module.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.derive import Snapshot, snapshot
from generator.affiliates import section
from generator.errors import ContentError, Location, Problem
from generator.load import load_content
from generator.model import Content, build_model
from generator.render import render_site
from generator.theme import find_theme, load_theme
from generator.validate import validate
from generator.write import recover, write_site


@dataclass(frozen=True)
class CheckResult:
    content: Content
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildResult:
    files: dict[str, bytes]
    snapshot: Snapshot
    warnings: tuple[Problem, ...]


def check(content_dir: Path) -> CheckResult:
    """Load and validate; raise ContentError with every problem, or return the model."""
    files = load_content(content_dir)
    problems = validate(files)
    errors = [p for p in problems if p.severity == "error"]
    if errors or files.site is None or files.services is None:
        raise ContentError(problems)
    return CheckResult(build_model(files), tuple(p for p in problems if p.severity != "error"))


def render(content_dir: Path, now: datetime, theme: str | None = None, affiliate: str | None = None) -> BuildResult:
    """Everything a build produces, in memory; with `affiliate`, that affiliate's own site."""
    checked = check(content_dir)
    theme_obj = load_theme(find_theme(theme or checked.content.site.theme, content_dir.resolve()))
    content, snap = checked.content, snapshot(checked.content, now)
    gc.freeze()
    warnings = checked.warnings + implied_warnings(content, snap)
    if affiliate:
        content, snap = section(content, snap, affiliate)
    return BuildResult(render_site(content, snap, theme_obj), snap, warnings)


def implied_warnings(content: Content, snap: Snapshot) -> tuple[Problem, ...]:
    """Services shown affected only because an upstream they rely on is down: worth a second look."""
    found = []
    for state in snap.services.values():
        if state.implied and state.incident:
            incident = snap.incident(state.incident).incident
            found.append(Problem(
                Location(incident.source), f"service '{state.service}' is shown as {state.status} because it depends on "
                f"'{state.upstream}', but no incident lists it",
                f"list it under affected (with alternatives) if that is right, or add an entry with its real status"
                f" (as of {snap.now.isoformat()})", severity="warning"))
    return tuple(found)


def build(content_dir: Path, output: Path, now: datetime, theme: str | None = None,
          affiliate: str | None = None) -> BuildResult:
    """Render then write atomically; on any error the previous output stays as it was."""
    recover(output)
    result = render(content_dir, now, theme, affiliate)
    write_site(result.files, output)
    return result
