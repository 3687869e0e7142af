"""How long `noticeboard update` and `resolve` take an operator at 1,000 and 10,000 incidents.

Each posts to one of the synthetic site's open incidents after a `check` has warmed the content
cache (as the operator's last build did): it checks the content, appends the update, checks the
content as it would be, and writes the file. `check` alone is printed beside them: the floor,
since posting runs it twice plus one file's parse, and a snapshot for the warnings it prints.

    python -m bench.bench_post                 # 1,000 and 10,000 incidents, 5 runs each
    python -m bench.bench_post --sizes 1000 --runs 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from bench import synthetic
from bench.measure import Figure, run


def later(minutes: int) -> str:
    return (datetime.fromisoformat(synthetic.NOW) + timedelta(minutes=minutes)).isoformat()


def command(content: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "generator", *args, "--content", str(content)]


def measure(size: int, runs: int, work: Path) -> dict[str, Figure]:
    content = synthetic.generate(work / f"{size}" / "content", incidents=size, open_incidents=runs)
    run(command(content, "check", "--now", synthetic.NOW))  # the cache a build leaves behind
    open_ids = sorted(p.stem for p in (content / "incidents").iterdir())[-runs:]
    checks = [run(command(content, "check", "--now", synthetic.NOW)) for _ in range(runs)]
    updates = [run(command(content, "update", incident, "--body", f"{n}번째 안내: 복구 작업 중입니다.",
                           "--body-en", f"Update {n}: recovery under way.", "--now", later(n + 1)))
               for n, incident in enumerate(open_ids)]
    resolves = [run(command(content, "resolve", incident, "--now", later(runs + 1))) for incident in open_ids]
    return {"check": Figure.of(checks), "update": Figure.of(updates), "resolve": Figure.of(resolves)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'incidents':>10}  {'command':<8} {'wall s':>7} {'cpu s':>7} {'max RSS MiB':>12}  (median of {args.runs})")
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            for name, figure in measure(size, args.runs, Path(work)).items():
                print(f"{size:>10,}  {name:<8} {figure.wall:>7.2f} {figure.cpu:>7.2f} {figure.max_rss / 2**20:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
