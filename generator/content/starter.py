"""`noticeboard init`: a working status site to start from, and `noticeboard schemas`.

A bank adopting the tool starts from a site that already builds: an example bank's settings and
services (with the two outside systems Korean banks' notices most often name, the government's
ID verification and a messenger platform), one resolved incident and one upcoming maintenance
window to copy from, the JSON Schemas editors validate with, a README for the people on call, and
CI workflows that check every change and publish on a schedule. The files are package data in
generator/starter/; only the notices' times are filled in, relative to now, so the example
incident is recent and the window is still ahead whenever the site is started.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from generator import __version__
from generator.clock import iso
from generator.content.scaffold import SCHEMA_FOLDER
from generator.errors import NoticeboardError

ZONE = ZoneInfo("Asia/Seoul")  # the starter site's time zone (site.yaml)
# Where each starter file goes in the new site (dot files are stored without their dot, which
# package data globs would miss).
LAYOUT = {
    "site.yaml": "content/site.yaml",
    "services.yaml": "content/services.yaml",
    "incident.yaml": "content/incidents/{started:%Y-%m-%d}-example-messenger-outage.yaml",
    "maintenance.yaml": "content/maintenance/{starts:%Y-%m-%d}-example-banking-maintenance.yaml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "github-workflow.yml": ".github/workflows/status.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
}
# A folder that holds nothing but these is as good as empty (`git init` first, then `init .`).
IGNORABLE = {".git"}


def write_starter(folder: Path, now: datetime) -> list[Path]:
    """Write the starter site into `folder` (made if missing, refused unless empty) and return
    the files written."""
    _refuse_unless_empty(folder)
    times = _times(now)
    written = []
    try:
        for source, target in LAYOUT.items():
            path = folder / target.format(**times)
            text = resources.files("generator").joinpath("starter", source).read_text("utf-8")
            for token, moment in times.items():
                text = text.replace(f"__{token.upper()}__", iso(moment, ZONE))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.replace("__VERSION__", __version__), encoding="utf-8")
            written.append(path)
        return written + write_schemas(folder)
    except OSError as exc:
        raise NoticeboardError(f"could not write the site into {folder}: {exc.strerror or exc}; "
                               "hint: choose a folder you can write to") from None


def write_schemas(site_root: Path) -> list[Path]:
    """This version's JSON Schemas in the site's schemas/ folder, where the $schema lines of the
    content files `init` and `new` write point: editors then validate without Noticeboard's source
    tree. Only these files are written (over older copies); nothing else there is touched."""
    target = site_root / SCHEMA_FOLDER
    try:
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for schema in sorted(resources.files("generator").joinpath("schema").iterdir(), key=lambda s: s.name):
            if schema.name.endswith(".schema.json"):
                (target / schema.name).write_bytes(schema.read_bytes())
                written.append(target / schema.name)
    except OSError as exc:
        raise NoticeboardError(f"could not write the schemas into {target}: {exc.strerror or exc}; "
                               "hint: check that the folder beside content/ can be written") from None
    return written


def _refuse_unless_empty(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise NoticeboardError(f"{folder} is a file; hint: give a new or empty folder, e.g. noticeboard init my-status")
    present = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    if set(present) - IGNORABLE:
        shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
        raise NoticeboardError(f"{folder} is not empty (it holds {shown}); hint: init writes a new site only into an "
                               "empty or new folder and never replaces a file: choose another, e.g. "
                               "noticeboard init my-status")


def _times(now: datetime) -> dict[str, datetime]:
    """The example notices' moments: an incident that started three days ago at 15:20 and was
    resolved yesterday (so it is among the recent ones), and a window the next Sunday night
    after tomorrow, 00:00 to 06:00 (so it is still ahead)."""
    today = now.astimezone(ZONE).date()
    started = datetime.combine(today - timedelta(days=3), time(15, 20), ZONE)
    sunday = today + timedelta(days=1)
    sunday += timedelta(days=(6 - sunday.weekday()) % 7)
    starts = _midnight(sunday)
    return {
        "started": started, "identified": started + timedelta(minutes=40),
        "monitoring": started + timedelta(days=1, hours=-5), "resolved": started + timedelta(days=2, hours=-3),
        "starts": starts, "ends": starts + timedelta(hours=6),
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), ZONE)
