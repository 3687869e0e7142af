"""The whole pipeline for one build: load → validate → model → derive → render → write.

Kept as one short function so the stages read in order; each stage lives in its own module.
The stages are imported where they are first used: a build that finds nothing changed needs
none of them, and skipping their import takes it from 0.38 to 0.32 s at 10,000 incidents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import ContentError, Location, NoticeboardError, Problem
from generator.cache import ContentCache, Digests, cache_folder, collector_paused, inputs_key, manifest_path
from generator.load import ContentFiles, LoadFailure, load_content, parse_yaml, read_text
from generator.manifest import Manifest, read_manifest, spare_folder, write_manifest
from generator.theme import BUNDLED_THEMES, Theme, find_theme, load_theme
from generator.write import recover, staged

if TYPE_CHECKING:
    from generator.derive import Snapshot
    from generator.model import Content

DEFAULT_THEME = BUNDLED_THEMES / "default"  # machine.word's labels


@dataclass(frozen=True)
class CheckResult:
    content: Content
    warnings: tuple[Problem, ...]
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    files: Mapping[str, Any]  # `render`: each file's bytes; `build`: each file's manifest entry
    snapshot: Snapshot | None
    warnings: tuple[Problem, ...]
    up_to_date: bool = False


def check(content_dir: Path, use_cache: bool = True) -> CheckResult:
    """Load and validate; raise ContentError with every problem, or return the model.

    Loading runs with the garbage collector paused, and `collector_paused` freezes the model out
    of its reach afterwards: the model lives until the process ends and holds no cycles, and the
    first full collection over 10,000 freshly loaded incidents cost as much as loading them."""
    with collector_paused():
        return _check(content_dir, use_cache)


def _check(content_dir: Path, use_cache: bool) -> CheckResult:
    from generator.coldcheck import prefill
    from generator.model import build_model
    from generator.validate import validate

    cache = ContentCache.open(content_dir) if use_cache else ContentCache.scratch(content_dir)
    prefill(content_dir, cache)
    files = load_content(content_dir, cache)
    problems = validate(files)
    known = [w for folder in files.cached.values() for _, _, entry in folder for w in entry.warnings]
    if files.site is None or files.services is None or any(p.severity == "error" for p in problems):
        raise ContentError(problems + known)
    content = build_model(files)
    warnings = [p for p in problems if p.severity != "error"] + known
    if use_cache:
        remember(cache, files, content, warnings)
    sources = {doc.name: doc.digest for doc in (*files.incidents, *files.maintenance) if doc.digest}
    sources |= {name: entry.digest for folder in files.cached.values() for _, name, entry in folder}
    return CheckResult(content, tuple(sorted(warnings, key=Problem.sort_key)), sources)


def remember(cache: ContentCache, files: ContentFiles, content: Content, warnings: list[Problem]) -> None:
    """Store every freshly checked notice, with its own warnings, so the next run can skip it."""
    from generator.coldcheck import cache_entries

    for name, entry in cache_entries(files, content, warnings):
        cache.store(name, entry.digest, entry.value, entry.warnings)
    cache.save()


def render(content_dir: Path, now: datetime, theme: str | None = None, affiliate: str | None = None) -> BuildResult:
    """Everything a build produces, in memory (deploys, tests); with `affiliate`, that affiliate's own site."""
    from generator.render import render_site

    site = _prepare(content_dir, now, theme, affiliate)
    return BuildResult(render_site(site.content, site.snap, site.theme), site.snap, site.warnings)


@dataclass(frozen=True)
class _Prepared:
    """What rendering starts from: the model and snapshot (an affiliate's section, if asked), the
    theme, the warnings to show, and each notice file's digest (for reuse.py's page keys)."""

    content: Content
    snap: Snapshot
    theme: Theme
    warnings: tuple[Problem, ...]
    sources: dict[str, str]


def _prepare(content_dir: Path, now: datetime, theme: str | None, affiliate: str | None,
             use_cache: bool = True) -> _Prepared:
    from generator.affiliates import section
    from generator.derive import snapshot

    checked = check(content_dir, use_cache)
    theme_obj = load_theme(find_theme(theme or checked.content.site.theme, content_dir.resolve()),
                           cache_folder(content_dir) if use_cache else None)
    with collector_paused():  # the snapshot lives as long as the model and is as free of cycles
        content, snap = checked.content, snapshot(checked.content, now)
    warnings = checked.warnings + implied_warnings(content, snap)
    if affiliate:
        content, snap = section(content, snap, affiliate)
    return _Prepared(content, snap, theme_obj, warnings, checked.sources)


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
          affiliate: str | None = None, use_cache: bool = True) -> BuildResult:
    """Render straight into a staging folder, then swap it in; on any error the previous output
    stays as it was. Pages go to disk as they are rendered, so memory does not grow with the
    site; `files` then holds each file's manifest entry rather than its bytes. When nothing the
    build reads has changed since the last build into `output`, nothing is done."""
    recover(output)
    manifest = manifest_path(content_dir, output) if use_cache else None
    key, base = _inputs_keys(content_dir, now, theme, affiliate) if manifest else ("", "")
    previous = read_manifest(manifest, output.absolute()) if manifest else None
    if key and previous is not None and previous.key == key:
        return BuildResult({}, None, (), up_to_date=True)
    from generator.render import render_into
    from generator.reuse import Reuse

    site = _prepare(content_dir, now, theme, affiliate, use_cache)
    with staged(output, previous, spare_folder(manifest) if manifest else None) as staging:
        reuse = Reuse(base, site.sources, previous.keys if previous else {}, staging.keep) if key else None
        render_into(staging, site.content, site.snap, site.theme, reuse)
    if manifest:
        write_manifest(manifest, Manifest(key, staging.written, reuse.keys if reuse else {}))
    return BuildResult(staging.written, site.snap, site.warnings)


def _inputs_keys(content_dir: Path, now: datetime, theme: str | None, affiliate: str | None) -> tuple[str, str]:
    """The digest of all the build's inputs, and of all but the notices and `now` (what every page
    and machine output is made from, reuse.py's base key: those that show `now` add it to their
    own keys); ('', '') when the theme can't be located yet. Both cover the bundled theme as
    well: the machine outputs use its labels whatever theme the pages use."""
    try:
        site = parse_yaml(read_text(content_dir / "site.yaml", "site.yaml"), content_dir / "site.yaml", "site.yaml")
        name = theme or (site.data.get("theme") if isinstance(site.data, dict) else None) or "default"
        theme_dir = find_theme(str(name), content_dir.resolve())
    except (NoticeboardError, OSError, LoadFailure):
        return "", ""
    digests = Digests.open(content_dir)
    try:
        themes = list(dict.fromkeys([theme_dir.resolve(), DEFAULT_THEME.resolve()]))
        key = inputs_key([content_dir, *themes], f"{now.isoformat()}|{affiliate or ''}", digests)
        shared = "|".join(digests.digest(str(content_dir / name)) for name in ("site.yaml", "services.yaml"))
        base = inputs_key(themes, f"{affiliate or ''}|{shared}", digests)
    except OSError:
        return "", ""
    digests.save()
    return key, base
