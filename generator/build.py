"""The whole pipeline for one build: check (content/) → derive (state/) → render the pages (site/)
beside the machine outputs (machine/) → write (output/).

Kept as one short function so the stages read in order; each stage lives in its own module.
The stages are imported where they are first used: a build that finds nothing changed needs
none of them, and skipping their import takes it from 0.38 to 0.32 s at 10,000 incidents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.content.cache import Digests, cache_folder, collector_paused
from generator.content.check import check
from generator.content.load import read_text
from generator.content.yamlfile import LoadFailure, parse_yaml
from generator.errors import ContentError, NoticeboardError, Problem
from generator.output.manifest import Manifest, inputs_key, manifest_path, read_manifest, spare_folder, write_manifest
from generator.output.write import recover, staged
from generator.site.theme import DEFAULT_THEME, Theme, bundled_labels, bundled_themes, chosen_theme, load_theme

if TYPE_CHECKING:
    from generator.content.model import Content
    from generator.output.record import BuildRecord
    from generator.site.render import Sink
    from generator.state.derive import Snapshot

@dataclass(frozen=True)
class BuildResult:
    files: Mapping[str, Any]  # `render`: each file's bytes; `build`: each file's manifest entry
    snapshot: Snapshot | None
    warnings: tuple[Problem, ...]
    up_to_date: bool = False
    content: Content | None = None


def render(content_dir: Path, now: datetime, theme: str | None = None, affiliate: str | None = None,
           use_cache: bool = True) -> BuildResult:
    """Everything a build produces, in memory (deploys, tests); with `affiliate`, that affiliate's own
    site; without `use_cache`, from the content and theme alone (no content cache, no compiled templates)."""
    site = _prepare(content_dir, now, theme, affiliate, use_cache)
    return BuildResult(render_site(site.content, site.snap, site.theme), site.snap, site.warnings, content=site.content)


def render_site(content: Content, snap: Snapshot, theme: Theme) -> dict[str, bytes]:
    """All output files (pages, assets, machine outputs), keyed by their path inside the output folder."""
    from generator.site.render import Collected

    files = Collected()
    render_into(files, content, snap, theme)
    return files


def render_into(sink: Sink, content: Content, snap: Snapshot, theme: Theme, record: BuildRecord | None = None,
                keep: Callable[[str], bool] | None = None) -> None:
    """Every output file into `sink`: the theme's assets, the pages, and the machine outputs as
    tasks beside the pages. Every path is claimed before it is made, so two outputs for one path
    raise DuplicateOutputError. With the last build's `record` of what each page and output read,
    those it shows unchanged are taken with `keep` (into the sink, from the last build) instead
    of being made again, and the record is brought up to date for the next build."""
    from generator.machine.derived import Derived, OutputReuse
    from generator.machine.outputs import output_tasks
    from generator.site.render import plan_jobs, render_jobs
    from generator.site.reuse import Reuse
    from generator.state.fingerprint import Prints
    from generator.state.plan import Claims, views

    claims = Claims()
    for path, data in theme.asset_files.items():
        claims.claim(path)
        sink.put(path, data)
    prints = Prints()
    kept: set[str] = set()

    def keep_output(path: str) -> bool:
        if keep is None or not keep(path):
            return False
        claims.claim(path)
        kept.add(path)
        return True

    pages = Reuse(record.pages, prints, keep) if record is not None and keep is not None else None
    outputs = OutputReuse(record.outputs, prints, keep_output) if record is not None else None
    planned = plan_jobs(content, snap, claims, pages)

    def put(path: str, data: bytes) -> None:
        claims.claim(path)
        sink.put(path, data)

    def model() -> Derived:
        return Derived(content, snap, bundled_labels(), views(content, snap), planned.by_service, planned.plans,
                       reuse=outputs)

    render_jobs(planned.jobs, theme, sink, output_tasks(model, put, kept.__contains__), pages)
    if record is not None and pages is not None and outputs is not None:
        pages.finish()
        record.outputs = outputs.made


@dataclass(frozen=True)
class _Prepared:
    """What rendering starts from: the model and snapshot (an affiliate's section, if asked), the
    theme and the warnings to show."""

    content: Content
    snap: Snapshot
    theme: Theme
    warnings: tuple[Problem, ...]


def _prepare(content_dir: Path, now: datetime, theme: str | None, affiliate: str | None,
             use_cache: bool = True) -> _Prepared:
    from generator.content.locate import locate
    from generator.state.affiliates import section
    from generator.state.derive import snapshot
    from generator.state.reminders import state_warnings

    checked = check(content_dir, use_cache)
    assert checked.files.site is not None  # check refuses content without it
    theme_obj = load_theme(chosen_theme(content_dir, checked.files.site, theme), checked.content.site.languages,
                           cache_folder(content_dir) if use_cache else None)
    with collector_paused():  # the snapshot lives as long as the model and is as free of cycles
        content, snap = checked.content, snapshot(checked.content, now)
    warnings = checked.warnings + locate(state_warnings(content, snap), content_dir)
    if affiliate:
        content, snap = section(content, snap, affiliate)
    return _Prepared(content, snap, theme_obj, warnings)


def build(content_dir: Path, output: Path, now: datetime, theme: str | None = None,
          affiliate: str | None = None, use_cache: bool = True, strict: bool = False) -> BuildResult:
    """Render straight into a staging folder, then swap it in; on any error the previous output
    stays as it was. Pages go to disk as they are rendered, so memory does not grow with the
    site; `files` then holds each file's manifest entry rather than its bytes. When nothing the
    build reads has changed since the last build into `output`, nothing is done; otherwise what
    the last build made from what is still the same is taken from it (site/reuse.py). With
    `strict`, a warning stops the build as an error would."""
    recover(output)
    manifest = manifest_path(content_dir, output) if use_cache else None
    key, base = _inputs_keys(content_dir, theme, affiliate, strict) if manifest else ("", "")
    previous = read_manifest(manifest, output.absolute()) if manifest else None
    if key and previous is not None and previous.key == key and previous.holds_at(now):
        return BuildResult({}, None, (), up_to_date=True)
    from generator.output.record import read_record, write_record

    site = _prepare(content_dir, now, theme, affiliate, use_cache)
    if strict and site.warnings:
        raise strict_failure(site.warnings)
    record = read_record(manifest, previous, base) if manifest and key else None
    keep_clear = {"the content folder": content_dir, "the theme": site.theme.folders[0],
                  "the bundled themes": bundled_themes()}
    with staged(output, previous, spare_folder(manifest) if manifest else None, keep_clear=keep_clear) as staging:
        render_into(staging, site.content, site.snap, site.theme, record, staging.keep)
    if manifest:
        if record is not None:
            record.key = key
            write_record(manifest, record)
        write_manifest(manifest, Manifest(key, staging.written, site.snap.changed_at, site.snap.next_change))
    return BuildResult(staging.written, site.snap, site.warnings, content=site.content)


def strict_failure(warnings: tuple[Problem, ...]) -> ContentError:
    """`--strict`: the warnings, each made an error, as the reason nothing is written."""
    return ContentError([replace(w, severity="error") for w in warnings],
                        "the content (--strict makes every warning an error)")


def _inputs_keys(content_dir: Path, theme: str | None, affiliate: str | None, strict: bool) -> tuple[str, str]:
    """The digest of all the build's inputs but `now` (which the manifest's stretch of time
    answers for), and of all but the notices: what the record of reads can't see (the code, the
    theme's folders, site.yaml, services.yaml, `--affiliate`), which it holds for only while they
    stay the same; ('', '') when the theme can't be located yet. Both cover the bundled default
    theme whatever theme the pages use: a site's theme folder takes every file it lacks from it,
    and the machine outputs use its labels."""
    try:
        site = parse_yaml(read_text(content_dir / "site.yaml", "site.yaml"), content_dir / "site.yaml", "site.yaml")
        found = chosen_theme(content_dir, site, theme)
    except (NoticeboardError, OSError, LoadFailure):
        return "", ""
    digests = Digests.open(content_dir)
    try:
        themes = list(dict.fromkeys([*found.folders, (bundled_themes() / DEFAULT_THEME).resolve()]))
        key = inputs_key([content_dir, *themes], f"{affiliate or ''}|{strict}", digests)
        shared = "|".join(digests.digest(str(content_dir / name)) for name in ("site.yaml", "services.yaml"))
        base = inputs_key(themes, f"{affiliate or ''}|{shared}", digests)
    except OSError:
        return "", ""
    digests.save()
    return key, base
