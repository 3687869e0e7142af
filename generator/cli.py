"""Command line: `noticeboard init | build | check | new | schemas | serve | deploy | notify`.

Every error meant for a person is printed as text (file:line:column, what, hint) with a
non-zero exit code; a traceback reaching the operator would be a bug.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from generator import __version__
from generator.build import build, strict_failure
from generator.clock import parse_flag, parse_now, shown
from generator.content.check import check
from generator.errors import ContentError, NoticeboardError, Problem
from generator.site.theme import chosen_theme, load_theme

if TYPE_CHECKING:
    from generator.content.model import Content
    from generator.state.derive import Snapshot


def _print_warnings(warnings: tuple[Problem, ...] | list[Problem]) -> None:
    for warning in warnings:
        print(warning.format(), file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    from generator.content.locate import locate  # imported when used, like the pipeline's stages in build.py
    from generator.state.derive import snapshot
    from generator.state.reminders import state_warnings

    result = check(Path(args.content))
    content = result.content
    assert result.files.site is not None  # check refuses content without it
    load_theme(chosen_theme(Path(args.content), result.files.site), content.site.languages)
    snap = snapshot(content, parse_now(args.now))
    warnings = result.warnings + locate(state_warnings(content, snap), Path(args.content))
    if args.strict and warnings:
        raise strict_failure(warnings)
    _print_warnings(warnings)
    verdict = f"no errors, {len(warnings)} warning{'s' if len(warnings) != 1 else ''} to review" if warnings else "nothing wrong found"
    counts = [_count(len(content.incidents), "incident"), _count(len(content.maintenance), "maintenance window"),
              _count(len(content.catalog.services), "service")]
    print(f"ok: {', '.join(counts)} — {verdict}")
    _print_schedule(content, snap)
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def cmd_build(args: argparse.Namespace) -> int:
    result = build(Path(args.content), Path(args.output), parse_now(args.now), args.theme, args.affiliate,
                   use_cache=not args.no_cache, strict=args.strict)
    if result.up_to_date:
        print(f"{args.output}/ is up to date: nothing the site is built from has changed since the last build, and "
              "no notice's time has come since")
        return 0
    _print_warnings(result.warnings)
    snap, content = result.snapshot, result.content
    assert snap is not None and content is not None
    down = sum(1 for s in snap.services.values() if s.status != "operational")
    print(f"built {len(result.files)} files into {args.output}/ as of {shown(snap.now, content.site.tz)} "
          f"({down} of {len(snap.services)} services not operational)")
    _print_schedule(content, snap)
    return 0


def _print_schedule(content: Content, snap: Snapshot) -> None:
    """What the site will show by itself later, and when it next changes with no edit: the moment
    a scheduler (or `deploy --watch`) should build again."""
    from generator.state.reminders import upcoming

    later = upcoming(content, snap.now)
    for item in later[:5]:
        print(f"  appears {shown(item.at, content.site.tz)}: {item.what} of {item.source}")
    if len(later) > 5:
        print(f"  … and {len(later) - 5} more")
    if snap.next_change is not None:
        print(f"next change by itself: {shown(snap.next_change, content.site.tz)} (build or deploy again then)")


def cmd_new(args: argparse.Namespace) -> int:
    from generator.content.newnotice import incidents_of, refuse_repeats, slug_for, windows_of
    from generator.content.scaffold import new_incident, new_maintenance

    content_dir = Path(args.content)
    content = check(content_dir).content
    site = content.site
    now = parse_now(args.now).astimezone(ZoneInfo(site.timezone))
    known = [s.id for s in content.catalog.services]
    services = args.service or []
    slug = slug_for(args.title, services, args.id)
    if args.kind == "incident":
        if not args.separate:
            refuse_repeats(incidents_of(content), now.date(), services, slug, "incident")
        path = new_incident(content_dir, args.title, now, site.languages, services, known, slug)
    else:
        starts = parse_flag(args.starts, "--starts", site.tz, now.date()) if args.starts else now + timedelta(days=1)
        ends = parse_flag(args.ends, "--ends", site.tz, starts.astimezone(site.tz).date()) if args.ends \
            else starts + timedelta(hours=2)
        if ends <= starts:
            raise NoticeboardError(f"--ends {shown(ends, site.tz)} is not after --starts {shown(starts, site.tz)}; "
                                   "hint: a window ends after it starts (across midnight, the end has the next day)")
        if not args.separate:
            refuse_repeats(windows_of(content), starts.astimezone(site.tz).date(), services, slug, "maintenance window")
        path = new_maintenance(content_dir, args.title, starts.astimezone(site.tz), ends.astimezone(site.tz),
                               site.languages, services, known, slug)
    print(f"created {path}")
    print("next: edit it, then run `noticeboard check` before you publish")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from generator.content.starter import write_starter

    folder = Path(args.folder)
    written = write_starter(folder, parse_now(args.now))
    print(f"created a status site in {folder}/ ({len(written)} files): an example bank, one resolved incident "
          "and one maintenance window to copy from")
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {shlex.quote(args.folder)} && "
    print(f"next: {go}noticeboard serve   (then open http://127.0.0.1:8000/; README.md there has the rest)")
    return 0


def cmd_schemas(args: argparse.Namespace) -> int:
    from generator.content.starter import write_schemas

    written = write_schemas(Path(args.content).absolute().parent)
    print(f"wrote {len(written)} JSON Schemas into {written[0].parent}/ for editor validation "
          "(the $schema line at the top of each content file points there)")
    return 0


def _strict_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (a missing translation, …) as errors and exit 1 on any")


def _content_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")


def _now_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", metavar="TIME",
                        help="treat this moment as now, e.g. 2025-09-27T10:00+09:00 (default: the current time)")


def make_parser(command: str | None = None, argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole command line; given the `command` about to run, commands of their own modules
    that it is not are left out, so `build` and `check` don't pay for importing the preview server.
    `argv` names the `--body-LANG` options `update` and `resolve` take (one per site language)."""
    parser = argparse.ArgumentParser(prog="noticeboard", description="Static status pages from YAML notices.")
    parser.add_argument("--version", "-V", action="version", version=f"noticeboard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="start a new status site in a folder",
                       description="Write a working status site for an example bank into FOLDER (default: the "
                       "current folder), which must be empty: content to edit, the JSON Schemas editors validate "
                       "it with, a README for operators and CI workflows for GitHub and GitLab.")
    p.add_argument("folder", nargs="?", default=".", metavar="FOLDER")
    _now_arg(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("build", help="check the content and write the site", description=
                       "Check the content, then write the whole site to the output folder in one swap. "
                       "On any problem nothing is written and the previous site stays as it was.")
    _content_args(p)
    p.add_argument("--output", "-o", default="public", metavar="DIR", help="output folder (default: public)")
    p.add_argument("--theme", metavar="NAME", help="theme to use instead of site.yaml's: 'default' or a folder "
                   "under themes/ beside the content folder")
    p.add_argument("--affiliate", metavar="ID", help="build one affiliate's own site instead of the group's")
    p.add_argument("--no-cache", action="store_true", help="check every notice and render every page afresh, "
                   "ignoring what earlier builds kept (for a theme whose pages show more than their own notices)")
    _strict_arg(p)
    _now_arg(p)
    p.set_defaults(func=cmd_build, refused="; nothing was written")

    p = sub.add_parser("check", help="validate the content only (review before posting)",
                       description="Report every problem in the content, each with file:line:column and a hint.")
    _content_args(p)
    _strict_arg(p)
    _now_arg(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("new", help="scaffold a new incident or maintenance file",
                       description="Create a dated YAML file with the current time in the site's time zone.")
    p.add_argument("kind", choices=["incident", "maintenance"])
    p.add_argument("title", help="the notice title in the site's default language")
    p.add_argument("--service", action="append", metavar="ID", help="an affected service id (repeatable)")
    p.add_argument("--id", metavar="SLUG", help="file name part after the date (default: from the title if it is "
                   "written in a-z and digits, else from the services)")
    p.add_argument("--separate", action="store_true", help="create it even though a notice for the same services "
                   "that day, or with the same name, exists (numbered -2, -3 … if the name is taken)")
    p.add_argument("--starts", metavar="TIME", help="maintenance start (default: in 24 hours)")
    p.add_argument("--ends", metavar="TIME", help="maintenance end (default: 2 hours after start)")
    _content_args(p)
    _now_arg(p)
    p.set_defaults(func=cmd_new, refused="; nothing was written")

    p = sub.add_parser("schemas", help="write or refresh the JSON Schemas editors validate content with",
                       description="Write this version's JSON Schemas into schemas/ beside the content folder, "
                       "where the $schema line of every content file `init` and `new` write points; run it "
                       "again after upgrading Noticeboard.")
    _content_args(p)
    p.set_defaults(func=cmd_schemas)
    if command not in _CORE_COMMANDS:
        for register in _extra_commands(command, argv):
            register(sub)
    return parser


_CORE_COMMANDS = {"init", "build", "check", "new", "schemas"}


def _command(argv: list[str]) -> str | None:
    """The command word of a command line (the main parser has no options that take a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _extra_commands(command: str | None, argv: Sequence[str]) -> list[Callable[[Any], None]]:
    """Commands that live in their own modules (serve, deploy, notify, update and resolve) add
    themselves to the parser here; `update` and `resolve`, posted in a hurry, import none of the others."""
    from generator.post.command import body_languages
    from generator.post.command import register as post

    posting = partial(post, languages=body_languages(argv))
    if command in ("update", "resolve"):
        return [posting]
    from generator.deploy.command import register as deploy
    from generator.notify.command import register as notify
    from generator.preview.serve import register as serve

    return [deploy, serve, notify, posting]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = make_parser(_command(argv), argv).parse_args(argv)
    try:
        return int(args.func(args))
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        print(f"\n{exc}{getattr(args, 'refused', '')}", file=sys.stderr)
        return 1
    except NoticeboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
