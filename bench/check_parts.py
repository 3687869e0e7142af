"""What each part of checking one notice costs, in µs a notice, for two versions side by side:
the figures behind a cold `check` (reading YAML, its structure, the checks across files, the model).

    python -m bench.check_parts main HEAD --incidents 2000 --runs 5

Each version runs in its own process from a clean `git worktree` of its revision (HEAD: the
working tree), alternating old, new, old, new; each run times every part over the same synthetic
incidents in one process, and the median of the runs is printed. `events` is the floor inside
PyYAML: libyaml's events for the same texts, with nothing built from them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import synthetic
from bench.same_output import checkout

REPO = Path(__file__).resolve().parent.parent
PARTS = ("events", "plain_data", "structure", "references", "model")


def _timed(function: Callable[[], Any], count: int) -> float:
    start = time.perf_counter()
    function()
    return 1e6 * (time.perf_counter() - start) / count


def measure_here(content: Path) -> dict[str, float]:
    """One run of every part over the incidents of `content`, with the code this process imports."""
    import gc

    from generator.content import coldcheck, validate
    from generator.content.load import ContentFiles
    from generator.content.model import build_model
    from generator.content.references import check_references
    from generator.content.yamlfile import _DIALECT, _Loader, parse_yaml

    root = content.resolve()
    site, services = coldcheck._checked_base(root) or (None, None)
    assert site is not None and services is not None
    paths = sorted((root / "incidents").glob("*.yaml"))
    texts = [path.read_text("utf-8") for path in paths]
    gc.disable()

    def events() -> None:
        for text in texts:
            loader = _Loader(text)
            while loader.get_event() is not None:
                pass
            loader.dispose()

    figures = {"events": _timed(events, len(texts))}
    from generator.content.fastyaml import plain_data

    figures["plain_data"] = _timed(lambda: [plain_data(text, _DIALECT) for text in texts], len(texts))
    docs = [parse_yaml(text, path, f"content/incidents/{path.name}") for text, path in zip(texts, paths)]
    figures["structure"] = _timed(lambda: [validate.check_structure(doc, "incident") for doc in docs], len(docs))
    parsed = {"site": [site], "services": [services], "incidents": docs, "maintenance": []}
    files = ContentFiles(root=root, site=site, services=services, incidents=docs)
    figures["references"] = _timed(lambda: check_references(files, parsed), len(docs))
    figures["model"] = _timed(lambda: build_model(files), len(docs))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("head", nargs="?")
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one run, in the child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_here(args.measure)))
        return 0
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="check-parts-")))
        content = scratch / "content"
        synthetic.generate(content, incidents=args.incidents)
        codes = [stack.enter_context(checkout(revision, scratch)) for revision in (args.base, args.head)]
        found: list[list[dict[str, float]]] = [[], []]
        for _ in range(args.runs):
            for index, code in enumerate(codes):
                result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "-", "--measure", str(content)],
                                        env={"PYTHONPATH": f"{code}:{REPO}", "PATH": "/usr/bin:/bin"},
                                        capture_output=True, text=True, check=True)
                found[index].append(json.loads(result.stdout))
        print(f"µs a notice, {args.incidents:,} synthetic incidents, median of {args.runs} runs; "
              f"old = {args.base}, new = {args.head or 'working tree'}")
        print(f"{'':12} {'old':>7} {'new':>7} {'ratio':>6}")
        for part in PARTS:
            old, new = (statistics.median(run[part] for run in side) for side in found)
            print(f"{part:12} {old:7.1f} {new:7.1f} {new / old:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
