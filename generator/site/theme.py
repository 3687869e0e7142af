"""Finding and loading a theme: Jinja templates, static assets and the words it shows.

A theme is chosen by name, never by path: one shipped inside the package (`default`), or a folder
under the site's own `themes/` beside `content/`. A site's folder holds only the files that
differ from the bundled default (a template, a static file, some labels) and takes everything
else from it, the way MkDocs' `custom_dir` and Hugo's lookup order work, so a bank changes its
logo or footer with one file and still gets every later fix to the other templates. A theme is
code (a template can run anything the build can), so it never comes from `content/`, which
holds untrusted text (SECURITY.md).

Autoescaping is on for everything: every string in a page comes from YAML an operator typed,
so escaping must be the default, never something a template author has to remember.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from generator.content.labels import Labels, load_labels, merged, require
from generator.content.names import THEME_NAME, THEME_NAME_HINT
from generator.content.yamlfile import Document
from generator.errors import Location, Problem, ThemeError, display_path
from generator.site.templating import CachedParts, PageContext, PageTemplate, mark_language

DEFAULT_THEME = "default"
SITE_THEMES = "themes"


@cache
def bundled_themes() -> Path:
    """The themes shipped with Noticeboard, inside the installed package (pyproject.toml maps the
    repository's themes/ there), found through the package wherever it is installed."""
    return Path(str(resources.files("generator.themes")))


@dataclass(frozen=True)
class ThemeFolders:
    """A theme's folders, in the order a file is looked for: the site's own, then the bundled
    default. `shown` names the first as problems show it."""

    name: str
    folders: tuple[Path, ...]
    shown: str


@dataclass
class Theme:
    folders: tuple[Path, ...]
    env: jinja2.Environment
    labels: Labels
    assets: dict[str, str] = field(default_factory=dict)
    asset_files: dict[str, bytes] = field(default_factory=dict)

    def label(self, language: str, key: str) -> str:
        return self.labels.word(language, key)


def find_theme(name: str, content_dir: Path, where: Location | None = None) -> ThemeFolders:
    """The theme called `name` for the site whose content is in `content_dir`: its own folder
    `themes/NAME/` beside the content (over the bundled default), else a bundled theme. A problem
    is reported at `where` (site.yaml's `theme:`; default: the --theme option)."""
    at = where or Location("--theme")
    if not THEME_NAME.fullmatch(name):
        raise ThemeError([Problem(at, f"theme '{name}' is not a theme name", THEME_NAME_HINT, "theme")])
    content = content_dir.resolve()
    own = content.parent / SITE_THEMES / name
    bundled = bundled_themes()
    if own.is_dir():
        if own.resolve().is_relative_to(content):
            raise ThemeError([Problem(at, f"theme '{name}' is inside the content folder ({own.resolve()})",
                                      "a theme is code and content is not: keep it in themes/ beside the content "
                                      "folder, where only people who may change code can edit it", "theme")])
        folders = tuple(dict.fromkeys(p.resolve() for p in (own, bundled / DEFAULT_THEME)))
        return ThemeFolders(name, folders, display_path(own, content.parent))
    if (bundled / name / "templates").is_dir():
        return ThemeFolders(name, ((bundled / name).resolve(),), str(bundled / name))
    choices = ", ".join(sorted(p.name for p in bundled.iterdir() if (p / "templates").is_dir()))
    raise ThemeError([Problem(at, f"theme '{name}' not found: there is no folder {SITE_THEMES}/{name}/ beside the "
                              "content folder, and no bundled theme of that name",
                              f"make {SITE_THEMES}/{name}/ with the files that differ from the default theme "
                              f"(docs/theming.md), or use a bundled theme: {choices}", "theme")])


def chosen_theme(content_dir: Path, site: Document, override: str | None = None) -> ThemeFolders:
    """The theme a site is built with: `override` (the --theme option), else site.yaml's `theme:`,
    whose problems are reported at its line, else the default."""
    if override:
        return find_theme(override, content_dir)
    name = site.data.get("theme", DEFAULT_THEME) if isinstance(site.data, dict) else DEFAULT_THEME
    return find_theme(str(name), content_dir, site.loc(("theme",)))


def load_theme(found: ThemeFolders, languages: Iterable[str], compiled: Path | None = None) -> Theme:
    """The theme in `found`'s folders, with a word for every label in each of `languages`; with
    `compiled`, a folder where Jinja keeps the compiled templates between runs, as compiling the
    default theme's took 0.15 s of every build and preview start."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder / "templates") for folder in found.folders]),
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
    env.filters["lang"] = mark_language
    shown = f"{found.shown}/labels.yaml"
    labels = merged([load_labels(folder / "labels.yaml", shown if i == 0 else str(folder / "labels.yaml"))
                     for i, folder in enumerate(found.folders)])
    require(labels, languages, shown, _labels_hint(found))
    theme = Theme(found.folders, env, labels)
    _fingerprint_assets(theme)
    return theme


def _labels_hint(found: ThemeFolders) -> str:
    if len(found.folders) > 1:
        return f"add them under '{{language}}:' in {found.shown}/labels.yaml"
    return (f"give the site a {SITE_THEMES}/{found.name}/labels.yaml beside the content folder with a "
            f"'{{language}}:' section holding these words; it is merged over the bundled theme's (docs/theming.md)")


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
    """Assets get a content hash in their name, so hosts may cache them forever and a deploy never
    mixes versions. A static file of the site's own theme folder replaces the bundled one of the
    same path."""
    files: dict[str, Path] = {}
    for folder in reversed(theme.folders):
        static = folder / "static"
        if static.is_dir():
            files.update((p.relative_to(static).as_posix(), p) for p in static.rglob("*") if p.is_file())
    for rel, path in sorted(files.items()):
        data = path.read_bytes()
        stem, dot, suffix = rel.rpartition(".")
        digest = hashlib.sha256(data).hexdigest()[:10]
        target = f"assets/{stem}.{digest}.{suffix}" if dot else f"assets/{rel}.{digest}"
        theme.assets[rel] = target
        theme.asset_files[target] = data


@cache
def bundled_labels() -> Labels:
    """The words the machine outputs are written in: the bundled default theme's, whatever theme
    the pages use (a feed reader or monitor must see the same words from every site), complete
    in every language the bundled theme speaks."""
    path = bundled_themes() / DEFAULT_THEME / "labels.yaml"
    labels = load_labels(path, str(path))
    require(labels, labels.by_language, str(path), "the bundled theme is broken: add the '{language}' words")
    return labels
