"""How fast the preview follows a save, on a 1,000-incident synthetic site.

    python -m bench.bench_preview [--incidents 1000] [--saves 30]

Prints the median time from saving one incident's file to the browser's reload event (target
under 150 ms), the median incremental rebuild after editing one incident (target under 50 ms),
and a full `noticeboard build` for comparison. The rebuild re-renders pages when they are
requested, so it also prints what rendering the edited page (what the reloading tab asks for)
and every outdated page would add. Figures, not pass/fail: the tests never time anything.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import queue
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from bench.synthetic import NOW, generate
from generator.build import build
from generator.clock import parse_now
from generator.preview.serve import Session
from generator.resident.site import IncrementalSite

MINUTES = re.compile(r"약 (\d+)분 뒤")


def edit(path: Path, serial: int) -> None:
    """What an operator does: correct a figure in an update, saved the way editors save (rename over)."""
    text = MINUTES.sub(f"약 {100 + serial}분 뒤", path.read_text(encoding="utf-8"), count=1)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def full_build(content: Path, out: Path) -> float:
    started = time.perf_counter()
    build(content, out, parse_now(NOW), use_cache=False)
    return time.perf_counter() - started


def rebuilds(content: Path, targets: list[Path]) -> dict[str, list[float]]:
    """Incremental rebuild per edit, then the extra cost of rendering the edited page and all outdated pages."""
    site = IncrementalSite(content, parse_now(NOW))
    site.rebuild()
    site.files()
    found: dict[str, list[float]] = {"rebuild": [], "cpu": [], "page": [], "all": []}
    for serial, path in enumerate(targets):
        edit(path, serial)
        started, cpu = time.perf_counter(), time.thread_time()
        result = site.rebuild([path])
        found["rebuild"].append(time.perf_counter() - started)
        found["cpu"].append(time.thread_time() - cpu)
        started = time.perf_counter()
        site.get(f"incidents/{path.stem}.html")
        found["page"].append(time.perf_counter() - started)
        started = time.perf_counter()
        for page in result.outdated:
            site.get(page)
        found["all"].append(time.perf_counter() - started)
    return found


def save_to_reload(content: Path, targets: list[Path]) -> list[float]:
    """From the moment a file is saved to the moment a connected tab receives the reload event."""
    session = Session(IncrementalSite(content, parse_now(NOW)), "127.0.0.1", 0, io.StringIO())
    session.start()
    server = threading.Thread(target=session.serve_forever)
    server.start()
    events: queue.Queue[tuple[float, str]] = queue.Queue()
    port = int(session.url.rsplit(":", 1)[1].strip("/"))
    listener = threading.Thread(target=_listen, args=(port, events.put), daemon=True)
    listener.start()
    try:
        _wait_for(events, "hello")
        found = []
        for serial, path in enumerate(targets):
            _open_page(port, f"/incidents/{path.stem}.html")
            started = time.perf_counter()
            edit(path, serial + len(targets))
            arrived = _wait_for(events, "reload")
            found.append(arrived - started)
            time.sleep(0.2)
        return found
    finally:
        session.shutdown()
        server.join()
        session.close()


def _open_page(port: int, page: str) -> None:
    """The tab shows the notice being edited (only pages someone has open are re-rendered and reloaded)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", page)
    assert conn.getresponse().read()
    conn.close()


def _listen(port: int, put: Callable[[tuple[float, str]], None]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/__noticeboard__/events")
    response = conn.getresponse()
    while line := response.fp.readline():
        if line.startswith(b"event: "):
            put((time.perf_counter(), line[7:].decode().strip()))


def _wait_for(events: queue.Queue[tuple[float, str]], name: str) -> float:
    while True:
        arrived, event = events.get(timeout=120)
        if event == name:
            return arrived


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_preview", description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--saves", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        content = generate(Path(tmp) / "content", incidents=args.incidents)
        files = sorted((content / "incidents").iterdir())
        targets = [files[(n * 7919) % len(files)] for n in range(args.saves)]
        print(f"synthetic site: {args.incidents} incidents, {len(files)} files; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        seconds = full_build(content, Path(tmp) / "public")
        print(f"full build (noticeboard build, no cache): {seconds:.2f} s, "
              f"{sum(1 for p in (Path(tmp) / 'public').rglob('*') if p.is_file())} files")
        times = rebuilds(content, targets)
        print(f"one-incident incremental rebuild: {_ms(times['rebuild'])} — target < 50 ms")
        print(f"  the same in CPU time (what it costs on an idle machine): {_ms(times['cpu'])}")
        print(f"  then rendering the edited incident's page (what the reloading tab asks for): {_ms(times['page'])}")
        print(f"  or rendering every outdated page at once (an eager rebuild): {_ms(times['all'])}")
        print(f"save → reload event received: {_ms(save_to_reload(content, targets))} — target < 150 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
