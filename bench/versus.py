"""Two versions of Noticeboard side by side on the same content, runs interleaved: did a change
move the build's speed? Prints the median of each figure and the ratio new/old.

    python -m bench.versus BASE [HEAD] --incidents 1000 --runs 5
    python -m bench.versus 88c3d64 --incidents 10000 --runs 3 --groups cold,noop,edit

Each version runs from a clean `git worktree` of its revision (HEAD: the working tree as it is)
with its own output and cache folders, and each measurement alternates old, new, old, new, so a
busy moment on the machine hits both. The groups, as an operator meets them:

- cold: `build` with no output and no cache (the first build of a site);
- noop: `build` again with nothing changed;
- edit: one update appended to the newest incident, then `build` (at the same `--now`);
- later: the same edit built at a `--now` seven minutes after the last build's (an operator's
  build runs at the current time);
- check: a cold `check` (no cache);
- preview: the preview's rebuild after that edit, in process (bench/incremental_probe.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from bench import synthetic
from bench.bench_scale import Edit
from bench.measure import Sample, SetAside, run
from bench.same_output import checkout

REPO = Path(__file__).resolve().parent.parent
LATER = "2025-09-27T10:07+09:00"
GROUPS = ("cold", "noop", "edit", "later", "check", "preview")


class Side:
    """One version's code, content copy and output, and the commands it is measured with."""

    def __init__(self, code: Path, work: Path, content: Path) -> None:
        self.code, self.work = code, work
        self.content = work / "content"
        if not self.content.exists():
            shutil.copytree(content, self.content)
        self.env = {"PYTHONPATH": f"{code}:{REPO}", "PATH": "/usr/bin:/bin"}
        self.set_aside = SetAside(work / "set-aside")

    def cli(self, *args: str) -> Sample:
        return run([sys.executable, "-m", "generator", *args], cwd=self.work, env=self.env)

    def build(self, now: str = synthetic.NOW) -> Sample:
        return self.cli("build", "--content", str(self.content), "-o", str(self.work / "out"), "--now", now)

    def cold(self) -> Sample:
        self.set_aside(self.work / "out")
        self.set_aside(self.work / ".noticeboard-cache")
        return self.build()

    def edited(self, now: str, k: int) -> Sample:
        edit = Edit(max((self.content / "incidents").glob("*.yaml")))
        self.build()
        edit.apply(k)
        try:
            return self.build(now)
        finally:
            edit.restore()

    def check(self) -> Sample:
        self.set_aside(self.work / ".noticeboard-cache")
        return self.cli("check", "--content", str(self.content), "--now", synthetic.NOW)

    def preview(self, runs: int) -> list[Sample]:
        probe = run([sys.executable, "-m", "bench.incremental_probe", str(self.content), str(runs)], cwd=self.work,
                    env=self.env)
        return [Sample(wall, cpu) for wall, cpu in json.loads(probe.stdout)["incremental"]]


def measure(sides: list[Side], group: str, runs: int) -> list[list[Sample]]:
    """`runs` samples of `group` for each side, alternating sides."""
    found: list[list[Sample]] = [[] for _ in sides]
    steps: dict[str, Callable[[Side, int], Sample]] = {
        "cold": lambda side, k: side.cold(),
        "noop": lambda side, k: (side.build(), side.build())[1],
        "edit": lambda side, k: side.edited(synthetic.NOW, k),
        "later": lambda side, k: side.edited(LATER, k),
        "check": lambda side, k: side.check(),
    }
    if group == "preview":
        for _ in range(runs):
            for index, side in enumerate(sides):
                found[index] += side.preview(1)
        return found
    for k in range(runs):
        for index, side in enumerate(sides):
            found[index].append(steps[group](side, k))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("head", nargs="?")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--groups", default=",".join(GROUPS))
    parser.add_argument("--work", type=Path, help="keep content and outputs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        scratch = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="versus-")))
        content = scratch / f"content-{args.incidents}"
        if not content.exists():
            synthetic.generate(content, incidents=args.incidents)
        sides = []
        for name, revision in (("old", args.base), ("new", args.head)):
            code = stack.enter_context(checkout(revision, scratch))
            sides.append(Side(code, scratch / f"{name}-{args.incidents}", content))
        print(f"{args.incidents:,} incidents, {args.runs} runs each, old = {args.base}, new = {args.head or 'working tree'}")
        print(f"{'':8} {'old wall':>9} {'new wall':>9} {'ratio':>6} {'old cpu':>9} {'new cpu':>9}"
              f" {'old user':>9} {'new user':>9} {'old sys':>8} {'new sys':>8}")
        for group in args.groups.split(","):
            old, new = measure(sides, group, args.runs)
            ow, nw = statistics.median(s.wall for s in old), statistics.median(s.wall for s in new)
            oc, nc = statistics.median(s.cpu for s in old), statistics.median(s.cpu for s in new)
            ou, nu = statistics.median(s.user for s in old), statistics.median(s.user for s in new)
            osys, nsys = statistics.median(s.system for s in old), statistics.median(s.system for s in new)
            print(f"{group:8} {ow:8.2f}s {nw:8.2f}s {nw / ow:6.2f} {oc:8.2f}s {nc:8.2f}s"
                  f" {ou:8.2f}s {nu:8.2f}s {osys:7.2f}s {nsys:7.2f}s", flush=True)
            for side in sides:
                side.set_aside.empty()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
