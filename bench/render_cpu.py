"""CPU time of rendering the HTML pages alone, per template, in one process.

A cold build spends most of its CPU in Jinja; this isolates that part from loading, the
workers' plumbing, writing and the machine outputs, so a change to the theme or to the render
context can be judged on its own. It loads the content once (`check`, through the content
cache), plans every view's pages as a build does, then renders each page once and reports the
CPU time per template and in all. `--digest FILE` writes one line per page (path and sha256 of
its bytes), so two revisions' pages can be compared with `diff`; `--profile FILE` saves a
cProfile of the rendering (the compiled templates show as `<template>` frames).

    python -m bench.render_cpu CONTENT_DIR [--repeat N] [--digest FILE] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import time
from collections import defaultdict
from pathlib import Path

from bench.synthetic import NOW
from generator.clock import parse_now
from generator.content.check import check
from generator.site import render
from generator.site.theme import find_theme, load_theme
from generator.state.derive import snapshot
from generator.state.plan import plan_pages, views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="render every page this many times; the best time counts")
    parser.add_argument("--digest", type=Path, help="write each page's path and sha256 here")
    parser.add_argument("--profile", type=Path, help="save a cProfile of one rendering of every page here")
    args = parser.parse_args()

    content = check(args.content).content
    snap = snapshot(content, parse_now(NOW))
    theme = load_theme(find_theme(content.site.theme, args.content.resolve()), content.site.languages)
    jobs = [(page, view, shared) for prefix, view, view_snap in views(content, snap)
            for shared in [render.shared_context(view, view_snap)]
            for page in plan_pages(view, view_snap, prefix, shared["incidents_by_service"])]

    best: dict[str, float] = {}
    counts: dict[str, int] = defaultdict(int)
    digests: list[str] = []
    for run in range(args.repeat):
        spent: dict[str, float] = defaultdict(float)
        for page, view, shared in jobs:
            started = time.process_time()
            html = render.render_page(page, view, theme, shared)
            spent[page.template] += time.process_time() - started
            if run == 0:
                counts[page.template] += 1
                if args.digest:
                    digests.append(f"{page.path} {hashlib.sha256(html.encode()).hexdigest()}")
        best = {kind: min(best.get(kind, seconds), seconds) for kind, seconds in spent.items()}
    if args.digest:
        args.digest.write_text("\n".join(digests) + "\n")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [render.render_page(page, view, theme, shared) for page, view, shared in jobs])
        profiler.dump_stats(str(args.profile))

    print(f"{'template':<20} {'pages':>7} {'CPU s':>8} {'ms/page':>8}")
    for kind in sorted(best, key=best.get, reverse=True):
        print(f"{kind:<20} {counts[kind]:>7} {best[kind]:>8.2f} {1000 * best[kind] / counts[kind]:>8.3f}")
    print(f"{'all':<20} {len(jobs):>7} {sum(best.values()):>8.2f}")


if __name__ == "__main__":
    main()
