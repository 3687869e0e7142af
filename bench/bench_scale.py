"""Build speed at scale, ours and Hugo's, on the same synthetic content; prints one table per size.

    python -m bench.bench_scale                  # 1,000, 10,000 and 50,000 incidents, 3 runs each
    python -m bench.bench_scale --quick          # 1,000 only
    python -m bench.bench_scale --sizes 10000 --runs 5 --large-runs 1 --json figures.json

Every figure is the median of `--runs` runs (`--large-runs` for 50,000 and up) of a fresh process,
as an operator would run it: `python -m generator build|check … --now …`. Our runs and Hugo's
alternate, so a busy moment on a shared machine hits both. Wall and CPU time (user+sys, including
forked workers) are both shown: when CPU ≪ wall × cores, the machine was busy, not the build.

Our commands run on a snapshot of generator/ and themes/ copied into `--work` at the start: other
people editing the working tree mid-run would otherwise change the build's inputs (the no-op
check hashes Noticeboard's own code) and mix two versions into one table.

The content trees are generated once into `--work` (default /tmp/noticeboard-bench) and reused;
the edit benchmarks append an update to the newest (still open) incident, as an operator posting
news would, and put the file back afterwards. Results, the method and their reading are in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench import synthetic
from bench.hugo import convert, engine
from bench.measure import Figure, Sample, SetAside, output_size, rewritten, run, stamps
from bench.report import Row, print_table
from bench.same_output import as_installed

SIZES = (1000, 10_000, 50_000)
GROUPS = ("cold", "noop", "edit", "server", "check", "preview")
LARGE = 50_000
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Tree:
    """One size's working folders: our content, output and cache side by side, and the Hugo copy."""

    root: Path
    incidents: int

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / "public"

    @property
    def cache(self) -> Path:
        return self.root / ".noticeboard-cache"

    @property
    def hugo(self) -> Path:
        return self.root / "hugo"

    @property
    def edited(self) -> Path:
        """The newest incident: open at NOW, the one an operator would be updating."""
        return max((self.content / "incidents").glob("*.yaml"))


class Edit:
    """Append update number k to an incident (and rewrite its Hugo copy); `restore` puts it back."""

    def __init__(self, path: Path, hugo_incidents: Path | None = None) -> None:
        self.path, self.hugo_incidents = path, hugo_incidents
        self.original = path.read_bytes()

    def apply(self, k: int) -> None:
        self._write(with_update(self.original.decode("utf-8"), k).encode("utf-8"))

    def restore(self) -> None:
        self._write(self.original)

    def _write(self, data: bytes) -> None:
        self.path.write_bytes(data)
        if self.hugo_incidents is not None:
            convert.write_incident(self.path, self.hugo_incidents)


def with_update(notice: str, k: int) -> str:
    """The notice with update k added at the end of its `updates:` list, before any key that
    follows the list (a synthetic notice with a cause has `cause:` last)."""
    lines = notice.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("updates:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "-", "\n")), len(lines))
    return "".join(lines[:end]) + update_text(k) + "".join(lines[end:])


def update_text(k: int) -> str:
    """A new update, one minute before NOW (after every synthetic update), in the file's own YAML style."""
    return (f"- at: {synthetic.NOW[:11]}09:59+09:00\n  status: monitoring\n  body:\n"
            f"    ko: |\n      편집 {k}: 계속 지켜보고 있습니다.\n    en: |\n      Edit {k}: we are still watching.\n")


@dataclass
class Options:
    code: Path
    runs: int
    large_runs: int
    work: Path
    hugo: bool
    only: frozenset[str]

    def runs_for(self, incidents: int) -> int:
        return self.large_runs if incidents >= LARGE else self.runs


@dataclass
class Result:
    incidents: int
    figures: dict[str, dict[str, Figure]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def prepare(work: Path, incidents: int, hugo: bool) -> Tree:
    """Generate (and convert for Hugo) once per size and generator version; later runs reuse the trees."""
    tree = Tree(work / f"n{incidents}", incidents)
    stamp = f"{incidents} {_digest(Path(synthetic.__file__))}"
    if _marker(tree.root / ".generated") != stamp:
        print(f"generating {incidents:,} incidents into {tree.content} …", flush=True)
        synthetic.generate(tree.content, incidents=incidents)
        (tree.root / ".generated").write_text(stamp)
        (tree.root / ".converted").unlink(missing_ok=True)
    if hugo:
        stamp = f"{stamp} {_digest(Path(convert.__file__), *sorted(convert.SKELETON.rglob('*')))}"
        if _marker(tree.root / ".converted") != stamp:
            print(f"converting {incidents:,} incidents for Hugo into {tree.hugo} …", flush=True)
            convert.convert(tree.content, tree.hugo)
            (tree.root / ".converted").write_text(stamp)
    return tree


def _marker(path: Path) -> str:
    return path.read_text() if path.is_file() else ""


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def snapshot_code(work: Path) -> Path:
    """Copy generator/ and themes/ as they are now into `work`, named by their digest; reused if unchanged."""
    files = sorted(p for folder in ("generator", "themes") for p in (REPO / folder).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    code = work / f"code-{digest.hexdigest()[:12]}"
    if not code.is_dir():
        staging = work / f".{code.name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        for path in files:
            (staging / path.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, staging / path.relative_to(REPO))
        as_installed(staging)
        staging.rename(code)
    return code


def environment(options: Options) -> dict[str, str]:
    """The snapshot first, then the repository (for bench/ itself)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(options.code), str(REPO)])}


def ours(command: str, tree: Tree, now: str = synthetic.NOW) -> list[str]:
    output = ["-o", str(tree.output)] if command == "build" else []
    return [sys.executable, "-m", "generator", command, "--content", str(tree.content), *output, "--now", now]


def minutes_later(minutes: int) -> str:
    """synthetic.NOW moved on by `minutes`: an operator runs `build` at the current time, not a fixed one."""
    return (datetime.fromisoformat(synthetic.NOW) + timedelta(minutes=minutes)).isoformat()


@dataclass(frozen=True)
class Bench:
    """What every measurement of one size needs: the tree, run count, our command and Hugo's."""

    tree: Tree
    runs: int
    env: dict[str, str]
    hugo: Path | None
    discard: SetAside

    def build(self, now: str = synthetic.NOW) -> Sample:
        return run(ours("build", self.tree, now), cwd=self.tree.root, env=self.env)

    def check(self) -> Sample:
        return run(ours("check", self.tree), cwd=self.tree.root, env=self.env)

    def hugo_build(self) -> Sample:
        assert self.hugo is not None
        return run(engine.build_command(self.hugo, self.tree.hugo), cwd=self.tree.root)


def measure(tree: Tree, options: Options) -> Result:
    """The chosen figures for one size, in an order where each finds the state it needs; leaves the
    content as it found it."""
    result = Result(tree.incidents)
    bench = Bench(tree, options.runs_for(tree.incidents), environment(options),
                  engine.binary() if options.hugo else None, SetAside(options.work / "set-aside"))
    try:
        if "cold" in options.only:
            _cold(result, bench)
        if "noop" in options.only:
            _noop(result, bench)
        if {"edit", "server"} & options.only:
            _edits(result, bench, options.only)
            bench.build()
        if "check" in options.only:
            _pairs(result, "check", bench.runs, bench.check, None)
            _pairs(result, "check cold", bench.runs, lambda: _without(bench, tree.cache, bench.check), None)
        if "preview" in options.only:
            _incremental(result, bench, options)
    finally:
        bench.discard.empty()
    return result


def _without(bench: Bench, folder: Path, then: Callable[[], Sample]) -> Sample:
    bench.discard(folder)
    return then()


def _cold(result: Result, bench: Bench) -> None:
    tree = bench.tree

    def cold_ours() -> Sample:
        bench.discard(tree.output)
        bench.discard(tree.cache)
        return bench.build()

    def cold_hugo() -> Sample:
        engine.clean(tree.hugo, bench.discard)
        return bench.hugo_build()

    _pairs(result, "cold", bench.runs, cold_ours, cold_hugo if bench.hugo else None)
    result.notes["output"] = "{:,} B in {:,} files".format(*output_size(tree.output))
    if bench.hugo:
        result.notes["hugo output"] = "{:,} B in {:,} files".format(*output_size(tree.hugo / "public"))


def _noop(result: Result, bench: Bench) -> None:
    before = stamps(bench.tree.output)
    noop = _pairs(result, "noop", bench.runs, bench.build, bench.hugo_build if bench.hugo else None)
    verdict = "reported up to date" if all("up to date" in s.stdout for s in noop) else "NOT reported up to date"
    result.notes["noop"] = f"{rewritten(before, stamps(bench.tree.output))} files rewritten; {verdict}"


def _edits(result: Result, bench: Bench, only: frozenset[str]) -> None:
    """A fresh CLI build after each edit (ours and Hugo's), then `hugo server`'s in-memory rebuild."""
    tree = bench.tree
    edit = Edit(tree.edited, tree.hugo / "content" / "incidents" if bench.hugo else None)
    try:
        if "edit" in only:
            runs = bench.runs
            result.notes["edit"] = _edit_pairs(result, bench, edit, "edit", range(1, runs + 1), False)
            result.notes["edit, --now later"] = _edit_pairs(
                result, bench, edit, "edit later", range(runs + 1, 2 * runs + 1), True
            ) + " (the pages that state the time, and what the edit changed)"
        if bench.hugo and "server" in only:
            served = engine.server_rebuilds(bench.hugo, tree.hugo, edit.apply, bench.runs)
            result.figures.setdefault("incremental", {})["hugo"] = Figure.of(
                [Sample(reported, 0.0) for reported, _ in served])
            result.notes["hugo server"] = "edit → rebuilt, incl. watcher batching: " + ", ".join(
                f"{latency:.2f} s" for _, latency in served)
    finally:
        edit.restore()


def _edit_pairs(result: Result, bench: Bench, edit: Edit, name: str, numbers: range, moved_on: bool) -> str:
    """For each k of `numbers`, apply edit k and build, at `--now` k minutes on if `moved_on` (an
    operator's build runs at the current time), else at the fixed one alternating with Hugo's
    build; the figures go under `name`, and what the last build rewrote is returned."""
    before: dict[str, tuple[int, int]] = {}
    counter = iter(numbers)

    def edited() -> Sample:
        nonlocal before
        k = next(counter)
        edit.apply(k)
        before = stamps(bench.tree.output)
        return bench.build(minutes_later(k) if moved_on else synthetic.NOW)

    _pairs(result, name, bench.runs, edited, bench.hugo_build if bench.hugo and not moved_on else None)
    return f"{rewritten(before, stamps(bench.tree.output))} of {len(before):,} files rewritten"


def _pairs(result: Result, name: str, runs: int, mine, theirs) -> list[Sample]:
    """Alternate our run and Hugo's `runs` times; store each side's median under `name`."""
    samples: dict[str, list[Sample]] = {"ours": [], "hugo": []}
    for _ in range(runs):
        samples["ours"].append(mine())
        if theirs is not None:
            samples["hugo"].append(theirs())
    result.figures[name] = {side: Figure.of(found) for side, found in samples.items() if found}
    return samples["ours"]


def _incremental(result: Result, bench: Bench, options: Options) -> None:
    """The preview's engine, driven in a child process so its memory is measured on its own."""
    if not any((options.code / "generator" / path).is_file()
               for path in ("resident/site.py", "preview/incremental.py", "incremental.py")):
        result.notes["preview"] = "generator/resident/site.py is not there yet"
        return
    probe = run([sys.executable, "-m", "bench.incremental_probe", str(bench.tree.content), str(bench.runs)],
                cwd=bench.tree.root, env=bench.env)
    for name, samples in json.loads(probe.stdout).items():
        result.figures.setdefault(name, {})["ours"] = Figure.of([Sample(wall, cpu) for wall, cpu in samples])
    result.notes["preview memory"] = f"peak RSS {probe.max_rss / 2**20:,.0f} MiB"


def parse_args(argv: list[str] | None) -> tuple[list[int], Options, Path | None]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="incident counts, comma-separated")
    parser.add_argument("--quick", action="store_true", help="1,000 incidents only")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median; default 3)")
    parser.add_argument("--large-runs", type=int, help=f"runs per figure from {LARGE:,} incidents (default: --runs)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/noticeboard-bench"), help="where the trees live")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo")
    parser.add_argument("--only", default=",".join(GROUPS), metavar="LIST",
                        help=f"measure only these, comma-separated, from {','.join(GROUPS)} (default: all); "
                             "server is `hugo server`'s rebuild after one edit, preview our in-process one")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",")]
    only = frozenset(args.only.split(","))
    if only - set(GROUPS):
        parser.error(f"--only: unknown {', '.join(sorted(only - set(GROUPS)))}; choose from {', '.join(GROUPS)}")
    options = Options(args.work / "code", args.runs, args.large_runs or args.runs, args.work, not args.no_hugo, only)
    return sizes, options, args.json


def machine(options: Options) -> dict[str, str]:
    revision = _git("describe", "--always", "--dirty")
    pending = _git("status", "--porcelain", "--", "generator", "themes").splitlines()
    return {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "cores": str(os.cpu_count()),
            "python": platform.python_version(), "platform": platform.platform(), "revision": revision or "?",
            "code": options.code.name, "uncommitted": " ".join(line[3:] for line in pending),
            "hugo": engine.version(engine.binary()) if options.hugo else "-",
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.rstrip("\n")


def main(argv: list[str] | None = None) -> int:
    sizes, options, json_path = parse_args(argv)
    options.work.mkdir(parents=True, exist_ok=True)
    options.code = snapshot_code(options.work)
    about = machine(options)
    print(f"os.cpu_count()={about['cores']}, Python {about['python']}, Hugo {about['hugo']}, "
          f"noticeboard {about['revision']} as {options.code}, load average {about['load']} at start\n"
          f"uncommitted in generator/ and themes/ (measured as they were): {about['uncommitted'] or 'none'}",
          flush=True)
    results = []
    for incidents in sizes:
        tree = prepare(options.work, incidents, options.hugo)
        started = time.perf_counter()
        result = measure(tree, options)
        results.append(result)
        print_table(result.incidents, rows(result), result.notes, options.runs_for(incidents))
        print(f"({time.perf_counter() - started:.0f} s for this size; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})\n", flush=True)
    if json_path:
        json_path.write_text(json.dumps({"machine": about, "results": [asdict(r) for r in results]}, indent=1))
    return 0


def rows(result: Result) -> list[Row]:
    """The table's lines, with the targets set for this size: issue 21's (cold build against Hugo in
    the same run at 1,000 and 10,000, memory and cold check at 10,000, no-op up to 10,000) and
    those of issue 9 it kept (the preview, the warm check, memory at 50,000)."""
    one, ten, fifty = result.incidents == 1000, result.incidents == 10_000, result.incidents == LARGE
    get = result.figures.get
    return [
        Row("full build, cold", get("cold", {}), versus=1.0 if one else 0.6 if ten else None),
        Row("no-op rebuild", get("noop", {}), 0.4 if result.incidents <= 10_000 else None),
        Row("one-incident edit, new process", get("edit", {})),
        Row("one-incident edit, new process, --now later each run", get("edit later", {})),
        Row("one-incident edit, in-process (ours: preview, page ready; Hugo: hugo server)", get("incremental", {}), 0.3 if ten else None),
        Row("one-incident edit, preview (whole site)", get("incremental all", {})),
        Row("preview start (load, derive, home page)", get("preview start", {})),
        Row("preview, every page rendered once", get("preview render all", {})),
        Row("check, warm cache", get("check", {}), 1.5 if ten else None),
        Row("check, cold cache", get("check cold", {}), 2.5 if ten else None),
        Row("peak memory, cold build", get("cold", {}), 300 * 2**20 if ten else 2**30 if fifty else None, memory=True),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
