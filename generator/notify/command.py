"""`noticeboard notify`: send what is owed, retry what failed, or (--dry-run) show it all.

`deploy` sends on its own as its last step; this command is for the messages a deploy could not
deliver (a channel was down), for a timer that retries them, and for looking before sending.
Exit code 0 when every channel took its messages, 3 when some channel failed (the messages are
kept and go out, marked late, on a later run), 1 for a problem in the content or the outbox.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.clock import parse_now
from generator.notify.run import Report, run

CHANNEL_FAILED = 3


def register(sub: Any) -> None:
    p = sub.add_parser(
        "notify", help="send notifications owed to the channels under notify: in site.yaml",
        description="Find the incident updates and maintenance windows that are new since the last run, write "
                    "them down in the outbox and send each message a deploy has verified the page of, to every "
                    "channel that follows it. Messages a channel could not take are kept and sent later, marked "
                    "late. `deploy` does this on its own as its last step.")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--now", metavar="TIME", help="the moment the site is as of (default: the current time)")
    p.add_argument("--dry-run", action="store_true", help="show every message that would go out, per channel; "
                                                         "send and record nothing")
    p.add_argument("--notify-edits", action="store_true",
                   help="send edited updates again as corrections (normally an edit notifies nobody)")
    p.add_argument("--retry-now", action="store_true", help="try failed channels now instead of after their backoff")
    p.set_defaults(func=cmd_notify, refused="; nothing was sent")


def cmd_notify(args: argparse.Namespace) -> int:
    report = run(Path(args.content), parse_now(args.now), dry_run=args.dry_run, notify_edits=args.notify_edits,
                 respect_backoff=not args.retry_now)
    return print_report(report, args.dry_run)


def print_report(report: Report, dry_run: bool) -> int:
    """Per channel: what went (or would go) out and what failed; the exit code for it."""
    for note in report.notes:
        print(f"notify: {note}")
    if not report.channels:
        print("notify: site.yaml lists no notification channels")
        return 0
    for result in report.channels:
        shown = [s for s in report.shown if s.channel == result.name]
        print(f"\n{result.name} — {_verdict(result, len(shown), dry_run)}")
        if dry_run or result.sent:
            for message in shown:
                if dry_run or not message.waiting:
                    print(_message(message.title, message.body, message.waiting))
    failed = report.failed
    if failed:
        print(f"\nnotify: {len(failed)} of {len(report.channels)} channels failed ({', '.join(failed)}); their "
              "messages are kept and go out, marked late, on the next deploy or `noticeboard notify`", file=sys.stderr)
        return CHANNEL_FAILED
    return 0


def _verdict(result: Any, shown: int, dry_run: bool) -> str:
    if dry_run:
        return f"{shown} message{'s' if shown != 1 else ''} would go out" if shown else "nothing to send"
    parts = [f"{result.sent} sent" + (f" ({result.late} late)" if result.late else "")]
    if result.error:
        parts.append(f"FAILED: {result.error}; {result.waiting} kept for the next run")
    elif result.retry_at is not None:
        parts.append(f"{result.waiting} kept: the channel failed recently, retried after "
                     f"{datetime.fromtimestamp(result.retry_at).strftime('%H:%M:%S')} (or use --retry-now)")
    elif result.waiting:
        parts.append(f"{result.waiting} waiting for a deploy to publish their page")
    return "; ".join(parts)


def _message(title: str, body: str, waiting: bool) -> str:
    when = "  (after the next deploy publishes its page)" if waiting else ""
    return f"  ── {title}{when}\n" + textwrap.indent(body, "     ")
