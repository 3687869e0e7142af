"""`noticeboard deploy`: check, build in memory (or take a built folder), publish, report per target."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.build import render
from generator.clock import parse_now, shown
from generator.content.check import check
from generator.content.deploy_config import TargetConfig, load_targets
from generator.content.names import safe_relative
from generator.deploy.run import Outcome, deploy_all
from generator.deploy.targets.base import MARKER
from generator.errors import NoticeboardError, did_you_mean


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deploy", help="publish the site to the hosts listed under deploy: in site.yaml",
        description="Check the content, build the site in memory (or take --site DIR) and publish it to every "
                    "target in site.yaml at once. Only changed files are sent, assets before pages, stale files "
                    "deleted last; each target is verified afterwards. A failing target never stops the others; "
                    "run the command again to complete it.")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--now", metavar="TIME", help="build as of this moment, e.g. 2025-09-27T10:00+09:00 "
                                                 "(default: the current time)")
    p.add_argument("--site", metavar="DIR", help="publish this already built folder instead of building")
    p.add_argument("--target", action="append", metavar="NAME", help="only this target (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="show what each target would get, send nothing")
    p.set_defaults(func=cmd_deploy, refused="; nothing was published")


def cmd_deploy(args: argparse.Namespace) -> int:
    content_dir = Path(args.content)
    checked = check(content_dir)
    configs = _select(load_targets(content_dir), args.target)
    files: Mapping[str, bytes]
    if args.site:
        files, origin, warnings = read_site(Path(args.site)), f"{args.site}/", checked.warnings
    else:
        now = parse_now(args.now)
        result = render(content_dir, now)
        files, warnings = result.files, result.warnings
        origin = f"{args.content}/ as of {shown(now, checked.content.site.tz)}"
    for warning in warnings:
        print(warning.format(), file=sys.stderr)
    verb = "planning" if args.dry_run else "deploying"
    print(f"{verb} {len(files)} files from {origin} to {len(configs)} "
          f"target{'s' if len(configs) != 1 else ''}: {', '.join(c.name for c in configs)}", flush=True)
    outcomes = deploy_all(configs, files, args.dry_run, lambda o: _report(o, args.dry_run))
    return _summary(outcomes)


def read_site(folder: Path) -> dict[str, bytes]:
    """A folder `noticeboard build` wrote; a repository's .git inside it is never published."""
    if not (folder / "index.html").is_file():
        raise NoticeboardError(f"{folder} has no index.html; hint: pass the folder `noticeboard build` wrote "
                               "(default public/), or leave out --site to build now")
    files: dict[str, bytes] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            rel = Path(root, name).relative_to(folder).as_posix()
            if rel != MARKER:
                files[str(safe_relative(rel))] = Path(root, name).read_bytes()
    return files


def _select(configs: tuple[TargetConfig, ...], wanted: list[str] | None) -> tuple[TargetConfig, ...]:
    if not configs:
        raise NoticeboardError("site.yaml lists no deploy targets; hint: add a deploy: list (see docs/deploy.md)")
    names = [c.name for c in configs]
    for name in wanted or ():
        if name not in names:
            raise NoticeboardError(f"no deploy target named '{name}'; hint: {did_you_mean(name, names)}")
    return tuple(c for c in configs if not wanted or c.name in wanted)


def _report(outcome: Outcome, dry_run: bool) -> None:
    lines = [f"\n{outcome.name} — {outcome.where}"]
    if dry_run and outcome.plan is not None:
        words = {"new": "upload (new)", "change": "upload (changed)", "delete": "delete"}
        lines += [f"  {words[step.action]:<17} {step.path}" for step in outcome.plan.steps]
    lines.append(f"  {_result(outcome)}")
    print("\n".join(lines), flush=True)


def _result(outcome: Outcome) -> str:
    counts = outcome.plan.summary() if outcome.plan is not None else ""
    if not outcome.ok:
        return f"FAILED: {outcome.error}" + (f" (plan was: {counts})" if counts else "")
    verified = f", verified {outcome.verified} files" if outcome.verified else ""
    return f"ok: {counts}; {outcome.note}{verified}"


def _summary(outcomes: list[Outcome]) -> int:
    width = max(len(o.name) for o in outcomes)
    print("\nsummary:")
    for outcome in outcomes:
        print(f"  {outcome.name:<{width}}  {_result(outcome)}")
    failed = [o.name for o in outcomes if not o.ok]
    if not failed:
        return 0
    others = "; the others are done" if len(failed) < len(outcomes) else ""
    print(f"\n{len(failed)} of {len(outcomes)} targets failed ({', '.join(failed)}){others}. Every page already "
          "published is whole; fix the cause and run `noticeboard deploy` again to complete it.", file=sys.stderr)
    return 1
