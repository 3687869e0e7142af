"""`noticeboard update` and `noticeboard resolve`: post to an incident without opening its file.

In an outage the operator's loop is post → update → restore, and every hand edit of YAML is a
chance to break the notice customers are reading. These commands append one update, stamped
with the time in the site's zone, and change nothing else in the file; the content as it would
then be must pass every check `check` runs, or the file is left as it was.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.clock import parse_now, shown
from generator.content.append import append_update
from generator.content.check import check, check_as_if
from generator.content.load import NOTICE_SUFFIXES
from generator.content.locate import locate
from generator.content.model import Content, Incident
from generator.errors import ContentError, NoticeboardError, Problem, did_you_mean
from generator.post.entry import Posted, Request, new_update
from generator.state.derive import snapshot
from generator.state.reminders import state_warnings

_BODY_FLAG = re.compile(r"--body-([a-z]{2,3})(?:=|$)")
_BOM = b"\xef\xbb\xbf"


def body_languages(argv: Sequence[str]) -> list[str]:
    """The `--body-LANG` flags on a command line: one per language the site has, so they are known
    only once the command line is read (`--body-en`, `--body-ja` …)."""
    return sorted({found[1] for arg in argv if (found := _BODY_FLAG.match(arg))})


def register(sub: Any, languages: Sequence[str] = ()) -> None:
    """`update` and `resolve`, with a `--body-LANG` option for each language named in the command line."""
    p = sub.add_parser("update", help="post an update to an incident (appended, the rest of the file untouched)",
                       description="Append an update to content/incidents/INCIDENT.yaml, dated now in the site's "
                       "time zone, keeping every other byte of the file. The content as it would be must pass "
                       "`noticeboard check`; otherwise the problems are printed and the file is left as it was.")
    _common(p, languages)
    p.add_argument("--status", metavar="STATUS", help="investigating | identified | monitoring | resolved "
                   "(default: the incident's current status)")
    p.add_argument("--next-update", metavar="TIME", help="when the next update is promised: +2h, +30m, 14:00 "
                   "(the next such time in the site's zone) or 2025-09-27T14:00+09:00")
    p.set_defaults(func=cmd_update, refused="; the incident file was left as it was")

    p = sub.add_parser("resolve", help="resolve an incident: a last update that brings every service back",
                       description="Append a resolving update to content/incidents/INCIDENT.yaml, dated now in the "
                       "site's time zone, listing every service and upstream the incident still shows down as "
                       "operational again. The rest of the file is kept byte for byte, and the result must pass "
                       "`noticeboard check`.")
    _common(p, languages)
    p.add_argument("--no-services", dest="list_restored", action="store_false",
                   help="don't list the services that come back under this update (the resolve brings them back "
                   "either way; the incident page then doesn't name them under it)")
    p.set_defaults(func=cmd_resolve, refused="; the incident file was left as it was")


def _common(p: argparse.ArgumentParser, languages: Sequence[str]) -> None:
    p.add_argument("incident", metavar="INCIDENT", help="the incident's id: its file name without .yaml")
    p.add_argument("--body", metavar="TEXT", help="the update's text in the site's default language (Markdown)")
    for language in languages:
        p.add_argument(f"--body-{language}", metavar="TEXT", dest=f"body_{language}", help=argparse.SUPPRESS)
    p.epilog = "--body-LANG TEXT gives the text in another of the site's languages, e.g. --body-en \"…\"."
    p.add_argument("--service", action="append", default=[], metavar="ID=STATUS",
                   help="a service or upstream and its status from this update on, e.g. mobile-app=operational "
                   "(repeatable)")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--now", metavar="TIME", help="date the update at this moment instead of the current time, "
                   "e.g. 2025-09-27T10:00+09:00")


def cmd_update(args: argparse.Namespace) -> int:
    return _post(args, Request(args.incident, False, args.status, tuple(args.service), _bodies(args),
                               args.next_update))


def cmd_resolve(args: argparse.Namespace) -> int:
    return _post(args, Request(args.incident, True, None, tuple(args.service), _bodies(args),
                               list_restored=args.list_restored))


def _bodies(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    given = [("--body", args.body)] + [(f"--body-{name[5:]}", value) for name, value in vars(args).items()
                                       if name.startswith("body_")]
    return tuple((flag, text) for flag, text in given if text is not None)


def _post(args: argparse.Namespace, request: Request) -> int:
    content_dir = Path(args.content)
    now = parse_now(args.now)
    try:
        checked = check(content_dir)
    except ContentError as exc:  # the content is refused as it is, whatever the update would have been
        raise ContentError(exc.problems, "the content as it is (fix it, then post again)") from None
    content = checked.content
    incident = find_incident(content, request.incident)
    path = content_dir / "incidents" / Path(incident.source).name
    posted = new_update(request, incident, content, now)
    raw = path.read_bytes()
    bom = _BOM if raw.startswith(_BOM) else b""
    before = raw[len(bom):].decode("utf-8")
    text = append_update(before, posted.entry)
    try:
        result = check_as_if(checked, path, text)
    except ContentError as exc:
        return _refused(exc, incident, before, text)
    replace_file(path, raw, bom + text.encode("utf-8"))
    number = len(incident.updates) + 1
    snap = snapshot(result.content, now)
    mine = [w for w in result.warnings + locate(state_warnings(result.content, snap), content_dir)
            if w.location.file == incident.source]
    _report(incident, number, posted, content, mine)
    return 0


def find_incident(content: Content, ident: str) -> Incident:
    """The incident with this id (a path to its file is taken too), or a hint at the one meant."""
    name = Path(ident).name if ident.endswith(NOTICE_SUFFIXES) else ident
    wanted = name.rsplit(".", 1)[0] if name.endswith(NOTICE_SUFFIXES) else name
    by_id = {incident.id: incident for incident in content.incidents}
    if wanted in by_id:
        return by_id[wanted]
    if any(window.id == wanted for window in content.maintenance):
        raise NoticeboardError(f"'{wanted}' is a maintenance window, not an incident; hint: edit "
                               f"content/maintenance/{wanted}.yaml to change it")
    ending = [i for i in by_id if i.endswith(f"-{wanted}")]
    hint = f"did you mean '{ending[0]}'?" if len(ending) == 1 else did_you_mean(wanted, sorted(by_id, reverse=True)[:200])
    raise NoticeboardError(f"no incident '{wanted}' in content/incidents/; hint: {hint} (the id is the file name "
                           "without .yaml)")


def replace_file(link: Path, before: bytes, after: bytes) -> None:
    """Write `after` over the notice in one step (a preview or a build never reads half a file), but
    only if it still holds `before`: an editor that saved meanwhile keeps its work. A notice that
    is a link (within content/, as `check` requires) stays one: the file it leads to is replaced."""
    path = Path(os.path.realpath(link))
    if path.read_bytes() != before:
        raise NoticeboardError(f"{path} changed while the update was being prepared, so it was left as it is; "
                               "hint: run the command again")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(after)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _refused(exc: ContentError, incident: Incident, before: str, after: str) -> int:
    """The problems of the content as it would be, and which lines of the file the update would be."""
    old, new = before.splitlines(), after.splitlines()
    first = next((n for n, (a, b) in enumerate(zip(old, new)) if a != b), len(old)) + 1
    last = first + len(new) - len(old) - 1
    print(exc.report(), file=sys.stderr)
    print(f"\n{exc} as it would be with the update (lines {first}–{last} of {incident.source}); the incident file "
          "was left as it was", file=sys.stderr)
    return 1


def _report(incident: Incident, number: int, posted: Posted, content: Content, warnings: list[Problem]) -> None:
    tz = content.site.tz
    entry = posted.entry
    for warning in warnings:
        print(warning.format(), file=sys.stderr)
    print(f"added update {number} ({entry['status']}, {entry['at']}) to {incident.source}")
    if posted.reopens:
        print("  this reopens the incident: it shows as open again from this update")
    for change in posted.changes:
        print(f"  {change.target}: {change.before} → {change.after}")
    if posted.promised is not None:
        print(f"  next update promised by {shown(posted.promised, tz)}")
    if posted.standard_text:
        print("  its text is the standard one (give --body to write your own)")
    print("next: `noticeboard build` (or `deploy`) to publish it")
