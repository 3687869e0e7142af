"""Finding and loading a theme: Jinja templates, static assets and the words it shows.

Autoescaping is on for everything: every string in a page comes from YAML an operator typed,
so escaping must be the default, never something a template author has to remember.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jinja2

from generator.content.labels import Labels, load_labels
from generator.errors import NoticeboardError
from generator.site.templating import CachedParts, PageContext, PageTemplate

BUNDLED_THEMES = Path(__file__).resolve().parents[2] / "themes"


class ThemeError(NoticeboardError):
    """The theme is missing or broken; the message names the file."""


@dataclass
class Theme:
    root: Path
    env: jinja2.Environment
    labels: Labels
    assets: dict[str, str] = field(default_factory=dict)
    asset_files: dict[str, bytes] = field(default_factory=dict)

    def label(self, language: str, key: str) -> str:
        return self.labels.word(language, key)


def find_theme(name_or_path: str, content_dir: Path) -> Path:
    """A theme given as a path, or by name under the project's themes/, or one shipped with Noticeboard."""
    candidates = [Path(name_or_path), content_dir.parent / "themes" / name_or_path, BUNDLED_THEMES / name_or_path]
    for candidate in candidates:
        if (candidate / "templates").is_dir():
            return candidate.resolve()
    raise ThemeError(f"theme '{name_or_path}' not found (looked in {', '.join(str(c) for c in candidates)}); "
                     "hint: set 'theme:' in site.yaml to a folder under themes/ that has a templates/ folder")


def load_theme(root: Path, compiled: Path | None = None) -> Theme:
    """The theme at `root`; with `compiled`, a folder where Jinja keeps the compiled templates
    between runs, as compiling the default theme's took 0.15 s of every build and preview start."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Checking every template's mtime on each page cost 7% of a build; the preview loads the
        # theme afresh whenever a file in it changes, so nothing needs the check.
        auto_reload=False,
        extensions=[CachedParts],
        bytecode_cache=_CompiledTemplates(compiled) if compiled is not None else None,
    )
    env.context_class, env.template_class = PageContext, PageTemplate
    theme = Theme(root=root, env=env, labels=load_labels(root / "labels.yaml"))
    _fingerprint_assets(theme)
    return theme


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's own cache of compiled templates, which it checks against each template's source,
    in a subfolder named for what the source does not tell: the Jinja and Python versions and
    Noticeboard's template code (the environment's settings and the `{% cache %}` tag). A folder
    that can't be read or written only costs the next run the compiling."""

    def __init__(self, folder: Path) -> None:
        digest = hashlib.sha256(f"{jinja2.__version__}|{sys.version}".encode())
        for module in (Path(__file__), Path(__file__).with_name("templating.py")):
            digest.update(module.read_bytes())
        super().__init__(str(folder / f"templates-{digest.hexdigest()[:16]}"))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return


def _fingerprint_assets(theme: Theme) -> None:
    """Assets get a content hash in their name, so hosts may cache them forever and a deploy never mixes versions."""
    static = theme.root / "static"
    if not static.is_dir():
        return
    for path in sorted(p for p in static.rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(static).as_posix()
        stem, dot, suffix = rel.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        target = f"assets/{stem}.{digest}.{suffix}" if dot else f"assets/{rel}.{digest}"
        theme.assets[rel] = target
        theme.asset_files[target] = data


@cache
def bundled_labels() -> Labels:
    """The words the machine outputs are written in: the bundled default theme's, whatever theme
    the pages use (a feed reader or monitor must see the same words from every site)."""
    return load_labels(BUNDLED_THEMES / "default" / "labels.yaml")
