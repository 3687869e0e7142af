"""Hostile input at the documented limits: how long it takes and how much memory it holds.

    python -m bench.bench_hostile [--revision REV] [--cases quotes-10,quotes-40,table,check-100k]

Each case writes its content (the demo plus one hostile part) and runs the real command, as an
operator would, from the working tree or from a clean `git worktree` of `--revision` (to take
the figures before a change). Prints wall and CPU time, the largest resident set and the peak
memory of the whole process tree, the exit code, what the command printed and what it wrote.
Figures, not pass/fail: tests/test_limits.py holds the verdicts.

- quotes-N: one incident with N updates, each body 20,000 characters of nested `> ` (the limit
  of one text), built with --no-cache;
- prose-245: 245 bodies of 20,000 characters of ordinary sentences, the most plain text one file
  may hold (5 MB): what the limits allow without any trick;
- spam-N: N bodies of ten empty nested quotes after another, the most HTML a character can
  make within the nesting limit;
- table: one update whose body is a 50-column table header over 9,000 one-cell rows, which
  cmark-gfm pads to 450,000 cells;
- check-N: N notices (the demo's and small ones with six mistakes each), checked (no cache).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bench.measure import Sample, output_size, run
from bench.same_output import checkout

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "content"
NOW = "2025-09-27T10:00+09:00"
MAX_TEXT = 20_000
HEAD = """title: {ko: 인용 장애, en: Quote outage}
impact: major
started: 2025-09-26T20:15+09:00
affected:
  - service: internet-banking
    status: major_outage
updates:
"""


def _incident(bodies: list[str]) -> str:
    started = datetime(2025, 9, 26, 20, 15)
    updates = "".join(f"  - at: {started + timedelta(minutes=i):%Y-%m-%dT%H:%M}+09:00\n    status: identified\n"
                      f"    body: {{ko: \"{body}\"}}\n" for i, body in enumerate(bodies))
    return HEAD + updates


def quotes(count: int) -> Callable[[Path], None]:
    def write(content: Path) -> None:
        body = ("> " * (MAX_TEXT // 2)).rstrip()
        (content / "incidents" / "2025-09-26-quotes.yaml").write_text(_incident([body] * count), encoding="utf-8")
    return write


def prose(count: int) -> Callable[[Path], None]:
    """As much ordinary text as the limits allow: `count` bodies of 20,000 characters of plain
    sentences with some **bold** words (245 fill a file to its 5 MB)."""
    sentence = "The card approval network is slow, so payments may fail; **use the app** or call us. "

    def write(content: Path) -> None:
        body = (sentence * (MAX_TEXT // len(sentence) + 1))[:MAX_TEXT].rstrip()
        (content / "incidents" / "2025-09-26-prose.yaml").write_text(_incident([body] * count), encoding="utf-8")
    return write


def spam(count: int) -> Callable[[Path], None]:
    """`count` bodies of ten empty nested quotes after another, the most HTML per character
    within the nesting limit (about 23 bytes a character): 17 stay under the limit of HTML per
    notice, 200 (a file just under 5 MB) do not."""
    def write(content: Path) -> None:
        body = ">" * 10 + "\\n\\n"
        (content / "incidents" / "2025-09-26-spam.yaml").write_text(
            _incident([body * (MAX_TEXT // 12)] * count), encoding="utf-8")
    return write


def table(content: Path) -> None:
    columns = 50
    body = "|" + "a|" * columns + "\\n|" + "-|" * columns + "\\n" + "a\\n" * 9_000
    (content / "incidents" / "2025-09-26-table.yaml").write_text(_incident([body[:MAX_TEXT]]), encoding="utf-8")


def broken(count: int) -> Callable[[Path], None]:
    """Each notice: an unknown key, a bad impact, a time without a zone, an unknown service and
    status, and an update without a body."""
    text = ("titel: {ko: 제목}\nimpact: huge\nstarted: 2025-09-26T20:15\naffected:\n"
            "  - service: no-such-service\n    status: brokn\nupdates:\n  - at: 2025-09-26T21:00+09:00\n"
            "    status: identified\n")

    def write(content: Path) -> None:
        folder = content / "incidents"
        for number in range(count - len(list(folder.iterdir()))):  # `count` notices in all: the limit of one folder
            (folder / f"2025-01-01-broken-{number:06d}.yaml").write_text(text, encoding="utf-8")
    return write


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "quotes-10": (quotes(10), "build"), "quotes-40": (quotes(40), "build"), "quotes-245": (quotes(245), "build"),
    "prose-245": (prose(245), "build"), "spam-17": (spam(17), "build"), "spam-200": (spam(200), "build"),
    "table": (table, "build"), "check-100k": (broken(100_000), "check"),
}


def measure(code: Path, work: Path, name: str) -> Sample:
    write, command = CASES[name]
    content = work / name / "content"
    shutil.copytree(DEMO, content)
    write(content)
    args = ["--content", str(content), "--now", NOW]
    if command == "build":
        args += ["-o", str(work / name / "public"), "--no-cache"]
    env = {"PYTHONPATH": f"{code}", "PATH": "/usr/bin:/bin"}
    return run([sys.executable, "-m", "generator", command, *args], cwd=work / name, env=env, check=False)


def report(name: str, sample: Sample, work: Path) -> str:
    public = work / name / "public"
    written = output_size(public) if public.is_dir() else (0, 0)
    lines = sample.stderr.splitlines()
    shown = lines[0][:160] if lines else ""
    return (f"{name:<11} exit {sample.code}  wall {sample.wall:7.1f} s  cpu {sample.cpu:7.1f} s  "
            f"max rss {sample.max_rss / 2**20:7.0f} MB  tree pss {sample.tree_pss / 2**20:7.0f} MB  "
            f"stderr {len(lines):>9,} lines {len(sample.stderr) / 2**20:6.1f} MB  "
            f"wrote {written[0] / 2**20:7.1f} MB in {written[1]:,} files\n    {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--revision", help="measure this revision (a clean worktree of it) instead of the working tree")
    parser.add_argument("--cases", default="quotes-10,quotes-40,table,check-100k",
                        help=f"comma-separated, of: {', '.join(CASES)}")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch, \
            checkout(args.revision, Path(scratch)) as code:
        work = Path(scratch) / "work"
        for name in args.cases.split(","):
            print(report(name, measure(code, work, name), work), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
