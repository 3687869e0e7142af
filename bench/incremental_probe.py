"""Time the preview's in-process rebuild after one incident edit; prints JSON for bench_scale.

Run by bench/bench_scale.py in a child process of its own (so the preview's memory is measured
alone). It drives generator.resident.site through its public API, as the preview server does:
the start (`rebuild()` and the home page, which is all the server does before the browser shows
something; pages are rendered as they are asked for, and the content cache is used as `check`
leaves it), then every page and output rendered once (`files()`), then per edit `rebuild([path])`
and the edited incident's pages in both languages (what the operator's reloaded browser asks for
first), then `files()` (every page and output brought up to date, what a build would have to write).

    python -m bench.incremental_probe CONTENT_DIR RUNS
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.bench_scale import Edit
from bench.synthetic import NOW

# The engine's place in this layout; revisions measured for comparison had it elsewhere.
_PLACES = (("generator.resident.site", "generator.clock"), ("generator.preview.incremental", "generator.clock"),
           ("generator.incremental", "generator.cli"))


def _engine() -> tuple[Any, Any]:
    for engine, clock in _PLACES:
        try:
            return importlib.import_module(engine).IncrementalSite, importlib.import_module(clock).parse_now
        except (ImportError, AttributeError):
            continue
    raise ImportError("no IncrementalSite in this revision")


IncrementalSite, parse_now = _engine()


def _clock() -> Callable[[], tuple[float, float]]:
    """Elapsed (wall, CPU) since the call; CPU is this process's, the engine renders in-process."""
    wall, cpu = time.perf_counter(), time.process_time()
    return lambda: (time.perf_counter() - wall, time.process_time() - cpu)


def probe(content: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    edited = max((content / "incidents").glob("*.yaml"))
    pages = [f"incidents/{edited.stem}.html", f"en/incidents/{edited.stem}.html"]
    site = IncrementalSite(content, parse_now(NOW))
    elapsed = _clock()
    site.rebuild()
    site.get("index.html")
    started = elapsed()
    elapsed = _clock()
    site.files()
    found: dict[str, list[tuple[float, float]]] = {"preview start": [started], "preview render all": [elapsed()],
                                                   "incremental": [], "incremental all": []}
    edit = Edit(edited)
    try:
        for k in range(1, runs + 1):
            edit.apply(k)
            elapsed = _clock()
            site.rebuild([edited])
            served = [site.get(page) for page in pages]
            found["incremental"].append(elapsed())
            site.files()
            found["incremental all"].append(elapsed())
            if not all(page is not None and f"{k}: ".encode() in page for page in served):
                raise AssertionError(f"the preview did not show edit {k} on {pages}")
    finally:
        edit.restore()
    return found


def main(argv: list[str] | None = None) -> int:
    content, runs = (argv or sys.argv[1:])[:2]
    print(json.dumps(probe(Path(content), int(runs))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
