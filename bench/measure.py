"""Run one command and measure it: wall time, CPU time (user+sys) and peak memory.

The benchmark machine is shared, so wall time alone can't tell a slow build from a busy machine;
CPU time (of the process and every child it waited for, such as forked render workers) shows
the work done. Memory is reported two ways, because a build that forks workers has several
processes: the largest single resident set (what `ru_maxrss` and `/usr/bin/time -v` report)
and the peak proportional set size summed over the whole process tree (pages shared by the
forked workers counted once), sampled every 50 ms.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class CommandFailed(RuntimeError):
    """A measured command exited non-zero: its figures would be meaningless."""


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    max_rss: int = 0
    tree_pss: int = 0
    stdout: str = ""
    stderr: str = ""
    code: int = 0
    user: float = 0.0  # the CPU time's two parts: in the program, and in the kernel on its behalf (creating files)
    system: float = 0.0


@dataclass(frozen=True)
class Figure:
    """The median of several samples of one measurement."""

    wall: float
    cpu: float
    max_rss: int
    tree_pss: int
    runs: int

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Figure:
        return cls(statistics.median(s.wall for s in samples), statistics.median(s.cpu for s in samples),
                   int(statistics.median(s.max_rss for s in samples)),
                   int(statistics.median(s.tree_pss for s in samples)), len(samples))


def run(command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> Sample:
    """Run `command` to completion; raise CommandFailed (with its output) on a non-zero exit,
    unless `check` is False (a refusal is what some benchmarks measure)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = _PssSampler(process.pid)
    sampler.start()
    stdout, stderr = _drain(process)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    if check and process.returncode != 0:
        raise CommandFailed(f"{' '.join(map(str, command))} exited {process.returncode}:\n{stderr[-4000:]}")
    # Linux reports ru_maxrss in KiB.
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, sampler.peak, stdout, stderr,
                  process.returncode, usage.ru_utime, usage.ru_stime)


def _drain(process: subprocess.Popen) -> tuple[str, str]:
    """Read both pipes to the end without reaping the process, so os.wait4 still gets its rusage."""
    chunks: dict[str, bytes] = {}

    def read(name: str, stream) -> None:
        chunks[name] = stream.read()
        stream.close()

    readers = [threading.Thread(target=read, args=(name, stream))
               for name, stream in (("out", process.stdout), ("err", process.stderr))]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    return (chunks["out"].decode("utf-8", "replace"), chunks["err"].decode("utf-8", "replace"))


class _PssSampler(threading.Thread):
    """Peak of the summed PSS of a process and its descendants, polled while it runs."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(self.pid)))
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                pending += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return found


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def output_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of everything under `folder`."""
    total = count = 0
    for entry in _files(folder):
        total += entry.stat(follow_symlinks=False).st_size
        count += 1
    return total, count


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's (inode, mtime): compared before and after a rebuild, it shows which files were rewritten."""
    found = {}
    for entry in _files(folder):
        info = entry.stat(follow_symlinks=False)
        found[entry.path] = (info.st_ino, info.st_mtime_ns)
    return found


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> int:
    """Files new or rewritten (another inode or mtime at the same path) since `before`."""
    return sum(1 for path, stamp in after.items() if before.get(path) != stamp)


def _files(folder: Path):
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    yield entry


class SetAside:
    """What a cold run must not find, renamed into one bin rather than deleted, and deleted by
    `empty` once the size's figures are taken.

    On ext4 without a journal (the benchmark machine's root file system) the kernel, to find a
    free inode, steps over every inode freed in the last 30 seconds (`recently_deleted` in
    ext4's inode allocator). A cold build of 10,000 incidents started right after deleting the
    last one's 23,712 files spent 4.6 s in creating files (kernel CPU, `perf`), against 0.4 s
    otherwise: a cost of the benchmark's own clean-up, which no first build on a fresh
    checkout pays."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, path: Path) -> None:
        if path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            self.count += 1
            path.rename(self.folder / str(self.count))

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
