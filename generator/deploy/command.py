"""`noticeboard deploy`: build (incrementally, into the output folder, as `build` does) or take a
built folder, publish it to every target, report per target."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from generator.build import build
from generator.clock import parse_now, shown
from generator.content.cache import cache_folder
from generator.content.check import check
from generator.content.deploy_config import TargetConfig, load_targets
from generator.content.load import load_content
from generator.content.validate import site_zone
from generator.deploy.plan import Action
from generator.deploy.run import Outcome, Publishing, deploy_all
from generator.deploy.site import site_files
from generator.deploy.targets.base import Files
from generator.errors import NoticeboardError, did_you_mean
from generator.notify import after_deploy, prepare
from generator.notify.command import print_report
from generator.output.manifest import manifest_path, read_manifest

_AUTHOR = re.compile(r"^[^<>\n]+ <[^<>\s]+>$")
ANONYMOUS = "Noticeboard <noticeboard@localhost>"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deploy", help="publish the site to the hosts listed under deploy: in site.yaml",
        description="Check the content and build the site into the output folder (only what changed, as "
                    "`noticeboard build` does), or take --site DIR, and publish it to every target in site.yaml "
                    "at once. Only changed files are sent, assets before pages, stale files deleted last; each "
                    "target is verified afterwards. A failing target never stops the others; run the command "
                    "again to complete it.")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--output", "-o", default="public", metavar="DIR", help="where the site is built (default: public)")
    p.add_argument("--now", metavar="TIME", help="build as of this moment, e.g. 2025-09-27T10:00+09:00 "
                                                 "(default: the current time)")
    p.add_argument("--site", metavar="DIR", help="publish this already built folder instead of building")
    p.add_argument("--target", action="append", metavar="NAME", help="only this target (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="show what each target would get, send nothing")
    p.add_argument("--list", action="store_true", help="list every file sent or deleted, not just the counts")
    p.add_argument("--author", metavar="'NAME <EMAIL>'", help="who publishes, for git commits (default: "
                   "$NOTICEBOARD_AUTHOR, else your git identity)")
    p.add_argument("--watch", action="store_true", help="keep running: publish after every save and whenever the "
                   "site changes by itself (a notice's time coming), keeping the site in memory")
    p.set_defaults(func=cmd_deploy, refused="; nothing was published")


def cmd_deploy(args: argparse.Namespace) -> int:
    content_dir = Path(args.content)
    configs = _select(load_targets(content_dir), args.target)
    author = operator(args.author)
    if args.watch:
        return _watch(args, content_dir, configs, author)
    if args.site:
        warnings = check(content_dir).warnings
        site, origin = site_files(Path(args.site)), f"{args.site}/"
    else:
        site, origin, warnings = _built(content_dir, Path(args.output), args.now)
    for warning in warnings:
        print(warning.format(), file=sys.stderr)
    notify = prepare(content_dir, args.dry_run)
    verb = "planning" if args.dry_run else "deploying"
    print(f"{verb} {len(site.digests)} files from {origin} to {len(configs)} "
          f"target{'s' if len(configs) != 1 else ''}: {', '.join(c.name for c in configs)}", flush=True)
    cache = cache_folder(content_dir)
    publishing = Publishing.kept_in(cache, author)
    outcomes = deploy_all(configs, site, args.dry_run, publishing, lambda o: _report(o, args.dry_run, args.list))
    code = _summary(outcomes, args.dry_run)
    report = after_deploy(notify, site.digests.keys(), site.read, any(o.ok and o.verified for o in outcomes),
                          args.dry_run)
    if report is None:
        return code
    print("\nnotifications:" if not args.dry_run else "\nnotifications after this deploy:")
    notified = print_report(report, args.dry_run)
    return code or notified


def _watch(args: argparse.Namespace, content_dir: Path, configs: tuple[TargetConfig, ...], author: str) -> int:
    """The resident publisher (deploy/watch.py), until Ctrl-C."""
    from generator.deploy.watch import Publisher, watch
    from generator.resident.site import IncrementalSite

    if args.site or args.dry_run:
        raise NoticeboardError("--watch publishes the content as it is saved; hint: leave out --site and --dry-run")
    cache = cache_folder(content_dir)
    site = IncrementalSite(content_dir, parse_now(args.now) if args.now else None)
    publisher = Publisher(site, configs, Publishing.kept_in(cache, author))
    print(f"publishing {args.content}/ to {', '.join(c.name for c in configs)} on every save", flush=True)
    try:
        watch(publisher, threading.Event())
    except KeyboardInterrupt:
        pass
    print("stopped", file=sys.stderr, flush=True)
    return 0


def _built(content_dir: Path, output: Path, now_text: str | None) -> tuple[Files, str, tuple[Any, ...]]:
    """Build into `output` as `noticeboard build` does (a no-op when nothing is due) and take the
    files from the build's manifest, which knows each file's sha256 without reading it."""
    now = parse_now(now_text)
    result = build(content_dir, output, now)
    manifest = read_manifest(manifest_path(content_dir, output), output.absolute())
    digests = {path: str(entry[0]) for path, entry in manifest.files.items()} if manifest else None
    state = "up to date" if result.up_to_date else "built"
    tz = result.content.site.tz if result.content else site_zone(load_content(content_dir, folders=()).site)
    moment = shown(now, tz) if tz else now.isoformat(timespec="minutes")
    return site_files(output, digests), f"{output}/ ({state} as of {moment})", result.warnings


def operator(given: str | None) -> str:
    """Who publishes: --author, else $NOTICEBOARD_AUTHOR, else the git identity of the repository
    the deploy runs in; a bank can show who published what."""
    chosen = given or os.environ.get("NOTICEBOARD_AUTHOR")
    if chosen:
        if not _AUTHOR.match(chosen.strip()):
            raise NoticeboardError(f"--author {chosen!r} is not 'Name <email>'; hint: --author 'Kim Minji "
                                   "<minji.kim@example.com>'")
        return chosen.strip()
    name, email = _git_config("user.name"), _git_config("user.email")
    return f"{name} <{email}>" if name and email else ANONYMOUS


def _git_config(key: str) -> str | None:
    try:
        done = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value and "<" not in value and ">" not in value else None


def _select(configs: tuple[TargetConfig, ...], wanted: list[str] | None) -> tuple[TargetConfig, ...]:
    if not configs:
        raise NoticeboardError("site.yaml lists no deploy targets; hint: add a deploy: list (see docs/deploy.md)")
    names = [c.name for c in configs]
    for name in wanted or ():
        if name not in names:
            raise NoticeboardError(f"no deploy target named '{name}'; hint: {did_you_mean(name, names)}")
    return tuple(c for c in configs if not wanted or c.name in wanted)


def _report(outcome: Outcome, dry_run: bool, listing: bool) -> None:
    lines = [f"\n{outcome.name} — {outcome.where}"]
    if outcome.plan is not None and listing:
        words = {"new": "upload (new)", "change": "upload (changed)", "delete": "delete"}
        lines += [f"  {words[step.action]:<17} {step.path}" for step in outcome.plan.steps]
    elif outcome.plan is not None:
        sends = "would send" if dry_run else "sent"
        actions: tuple[tuple[Action, str], ...] = (("new", f"{sends} (new)"), ("change", f"{sends} (changed)"),
                                                  ("delete", "would delete" if dry_run else "deleted"))
        for action, word in actions:
            if outcome.plan.count(action):
                lines.append(f"  {word + ':':<19} {outcome.plan.by_kind(action)}")
    lines.append(f"  {_result(outcome, dry_run)}")
    print("\n".join(lines), flush=True)


def _result(outcome: Outcome, dry_run: bool) -> str:
    counts = outcome.plan.summary() if outcome.plan is not None else ""
    if not outcome.ok:
        return f"FAILED: {outcome.error}" + (f" (plan was: {counts})" if counts else "")
    if dry_run:
        return f"would be: {counts}"
    verified = f", verified {outcome.verified} files" if outcome.verified else ""
    return f"ok: {counts}; {outcome.note}{verified}"


def _summary(outcomes: list[Outcome], dry_run: bool) -> int:
    width = max(len(o.name) for o in outcomes)
    print("\nsummary:")
    for outcome in outcomes:
        print(f"  {outcome.name:<{width}}  {_result(outcome, dry_run)}")
    failed = [o.name for o in outcomes if not o.ok]
    if dry_run:
        trouble = f"; {len(failed)} could not be planned ({', '.join(failed)})" if failed else ""
        print(f"\ndry run: nothing was sent to any target{trouble}.")
        return 1 if failed else 0
    if not failed:
        return 0
    others = "; the others are done" if len(failed) < len(outcomes) else ""
    print(f"\n{len(failed)} of {len(outcomes)} targets failed ({', '.join(failed)}){others}. Every page already "
          "published is whole; fix the cause and run `noticeboard deploy` again to complete it.", file=sys.stderr)
    return 1
