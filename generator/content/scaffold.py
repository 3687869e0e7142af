"""`noticeboard new`: start a notice from a valid skeleton instead of a blank file.

Under pressure an operator copies the last notice and forgets to change the date; a scaffold
with the current time in the site's zone, the schema line for editor validation, and a clear
placeholder for the one thing we cannot guess (which service) avoids both. Each text has a line
for every language of the site: the ones we can't write are commented-out stubs, so the file
passes `check` at once (which then warns about each translation still missing) and shows the
operator where the English goes.
"""

from __future__ import annotations

import os
from datetime import datetime
from importlib import resources
from pathlib import Path

from generator.clock import iso
from generator.content.references import MAX_ID_CHARS, usable_id
from generator.errors import FlagErrors, NoticeboardError, did_you_mean, printable

PLACEHOLDER_SERVICE = "choose-a-service"
SCHEMA_FOLDER = "schemas"
STUB_NOTE = "write this language's text here and remove the first '#'"


def schema_line(kind: str, target: Path, site_root: Path) -> str:
    """The editor's schema line for a new content file at `target`: the site's own copy of the
    schema (schemas/ beside content/, which `init` and `noticeboard schemas` write) where there is
    one, else the package's own, relative to the file either way."""
    own = site_root / SCHEMA_FOLDER / f"{kind}.schema.json"
    schema = own if own.is_file() else Path(str(resources.files("generator").joinpath("schema", own.name)))
    return f"# yaml-language-server: $schema={Path(os.path.relpath(schema, target.parent)).as_posix()}\n"


def _texts(key: str, indent: str, languages: tuple[str, ...], given: dict[str, str]) -> str:
    """`key:` with a line for each language: a given text, or a commented-out stub to fill in."""
    return f"{indent}{key}:\n" + "".join(
        f"{indent}  {lang}: {_quote(given[lang])}\n" if lang in given
        else f"{indent}  # {lang}: \"\"   # {STUB_NOTE}\n" for lang in languages)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_file(folder: Path, now: datetime, slug: str) -> Path:
    """A free file name for the notice, refused with the rule `check` applies to file names: an
    `--id` of '../../evil' led out of the folder, and 'Evil ID' wrote a file every later run refused."""
    stem = candidate = f"{now:%Y-%m-%d}-{slug}"
    n = 2
    while (folder / f"{candidate}.yaml").exists():
        candidate, n = f"{stem}-{n}", n + 1
    if not usable_id(candidate):
        longest = MAX_ID_CHARS - len(f"{now:%Y-%m-%d}-")
        raise NoticeboardError(f"--id '{printable(slug)}' cannot be used: the file would be named "
                               f"'{printable(candidate)}.yaml'; hint: use lowercase letters a-z, digits and hyphens, "
                               f"at most {longest} characters, like nirs-fire")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{candidate}.yaml"


def new_incident(content_dir: Path, title: str, now: datetime, languages: tuple[str, ...], services: list[str],
                 known: list[str], slug: str) -> Path:
    """Write a new incident file and return its path; unknown service ids are refused up front.
    `languages` are the site's, the default first: `title` is in that one."""
    refuse_unknown(services, known)
    path = new_file(content_dir / "incidents", now, slug)
    stamp = iso(now, now.tzinfo)  # type: ignore[arg-type]
    affected = "".join(
        f"  - service: {s}\n    status: major_outage\n" + alternative_stub(languages) for s in services
    ) or (f"  - service: {PLACEHOLDER_SERVICE}   # one of: {', '.join(known)}\n"
          "    status: major_outage\n    alternatives: []\n")
    first_update = {lang: FIRST_UPDATE[lang] for lang in languages if lang in FIRST_UPDATE}
    path.write_text(
        schema_line("incident", path, content_dir.absolute().parent)
        + _texts("title", "", languages, {languages[0]: title})
        + "impact: major   # none | minor | major | critical\n"
        + f"started: {stamp}\n"
        + "affected:\n" + affected
        + f"updates:\n  - at: {stamp}\n    status: investigating   # investigating | identified | monitoring | resolved\n"
        + _texts("body", "    ", languages, {languages[0]: FIRST_UPDATE["en"], **first_update}),
        encoding="utf-8",
    )
    return path


def refuse_unknown(services: list[str], known: list[str]) -> None:
    """FlagErrors naming each `--service` that is not a service of services.yaml, before any file is written."""
    unknown = [s for s in services if s not in known]
    if unknown:
        raise FlagErrors([f"--service '{s}' is not a service in services.yaml; hint: {did_you_mean(s, known)}"
                          for s in unknown])


def alternative_stub(languages: tuple[str, ...]) -> str:
    """An affected service's alternative, commented out: what to use instead is what customers need
    most, but a made-up one must never reach them, and an empty one left in would fail `check`.
    Removing the `# ` of its three lines (one keystroke in most editors) and writing the text makes
    it valid."""
    texts = ", ".join(f'{lang}: ""' for lang in languages)
    return ("    # alternatives:   # what customers can use instead: remove the '# ' of these lines and write it\n"
            f"    #   - text: {{{texts}}}\n"
            "    #     channels: [branch]   # where: app | web | branch | call_center | atm | messenger\n")


FIRST_UPDATE = {
    "ko": "현재 일부 서비스 이용에 문제가 있어 원인을 확인하고 있습니다. 확인되는 대로 다시 안내드리겠습니다.",
    "en": "Some services are currently affected. We are investigating and will post an update soon.",
}


def new_maintenance(content_dir: Path, title: str, starts: datetime, ends: datetime, languages: tuple[str, ...],
                    services: list[str], known: list[str], slug: str) -> Path:
    if not services:
        raise NoticeboardError(f"give at least one --service ID, the services the window takes down; hint: the ids "
                               f"in services.yaml are {', '.join(known)}")
    refuse_unknown(services, known)
    path = new_file(content_dir / "maintenance", starts, slug)
    tz = starts.tzinfo
    path.write_text(
        schema_line("maintenance", path, content_dir.absolute().parent)
        + _texts("title", "", languages, {languages[0]: title})
        + f"starts: {iso(starts, tz)}\nends: {iso(ends, tz)}\n"  # type: ignore[arg-type]
        + "services:\n" + "".join(f"  - {s}\n" for s in services),
        encoding="utf-8",
    )
    return path
