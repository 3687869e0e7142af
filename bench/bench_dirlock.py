"""Does creating files cost more system time when two processes create them in one folder at once?

A build's render workers write their own pages into the staging folder (site/render.py), beside
the building process, and often into the same folder (`incidents/` holds one page per incident).
ext4 locks a folder while a name is added to it; this measures whether that shows, on the disk
the build writes to: the same number of page-sized files created (and stat'ed, as the staging
writer does) by one process, by two into one folder, and by two into a folder each. Prints the
median wall and system time of each, and the system time per file.

    python -m bench.bench_dirlock [--files 6000] [--runs 5] [--where /tmp]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

PAGE = b"x" * 6_000  # 31 MB in 5,200 pages at 1,000 incidents


def write(folder: str, first: int, count: int) -> None:
    for number in range(first, first + count):
        path = f"{folder}/p{number}.html"
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as file:
            file.write(PAGE)
        os.stat(path)


def once(where: Path, mode: str, files: int) -> tuple[float, float]:
    """(wall, system seconds) of creating `files` files in `mode`: one, same or own. The files are
    removed only once every run is done: removing them between runs (the disk discards what is
    freed) made the next run's cost swing tenfold."""
    root = tempfile.mkdtemp(dir=where)
    for name in ("a", "b"):
        os.mkdir(f"{root}/{name}")
    started, before = time.perf_counter(), _system()
    if mode == "one":
        write(f"{root}/a", 0, files)
    else:
        children = []
        for index in range(2):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's work is measured, not tested
                write(f"{root}/{'a' if mode == 'same' else 'ab'[index]}", index * files // 2, files // 2)
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
    return time.perf_counter() - started, _system() - before


def _system() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--where", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    modes = {"one process": "one", "two, one folder": "same", "two, own folders": "own"}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in modes}
    scratch = Path(tempfile.mkdtemp(dir=args.where, prefix="dirlock-"))
    try:
        for _ in range(args.runs):  # interleaved, so a busy moment hits every mode
            for name, mode in modes.items():
                samples[name].append(once(scratch, mode, args.files))
    finally:
        shutil.rmtree(scratch)
    print(f"{args.files:,} files of {len(PAGE):,} bytes, median of {args.runs} runs, in {args.where}")
    for name, found in samples.items():
        wall, system = statistics.median(w for w, _ in found), statistics.median(s for _, s in found)
        print(f"{name:18} {wall:6.3f} s wall {system:6.3f} s system {system / args.files * 1e6:6.0f} µs a file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
