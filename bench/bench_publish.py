"""Save → every host verified: the figure that matters in a crisis, for the resident publisher
(`noticeboard deploy --watch`) on synthetic content, with three hosts on this machine: a folder,
a local git remote, and an S3 bucket on SeaweedFS (started as the deploy tests start it).

    python -m bench.bench_publish --incidents 1000 --edits 5
    python -m bench.bench_publish --incidents 10000 --edits 5 --json figures.json

The publisher runs in a child process, as an operator would run it. Each edit appends an update to
the newest (still open) incident, as an operator posting news would; the time is measured from the
file's rename into place to the publisher's line "every host verified". Also printed: the first
publish (everything sent), and a deploy of the same edit through a new `noticeboard deploy`
process, for comparison. Results and reading are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import synthetic
from bench.bench_scale import Edit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from seaweed import KEY, SECRET, Weed, client  # noqa: E402  (test support: a real S3 server)

DONE = "every host verified"


@contextmanager
def hosts(root: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Three empty hosts and the `deploy:` list naming them, and the environment S3 needs."""
    weed = Weed(os.environ.get("WEED", "weed"), root / "seaweedfs")
    weed.start()
    try:
        client(weed).create_bucket(Bucket="status-site")  # not "status": SeaweedFS lists nothing in a bucket so named
        subprocess.run(["git", "init", "--quiet", "--bare", str(root / "remote.git")], check=True)
        targets = (f"deploy:\n  - {{name: web1, type: folder, path: {root / 'www'}}}\n"
                   f"  - {{name: pages, type: git, url: {root / 'remote.git'}}}\n"
                   f"  - {{name: bucket, type: s3, bucket: status-site, endpoint_url: '{weed.endpoint}', region: us-east-1}}\n")
        env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_EC2_METADATA_DISABLED": "true", "NOTICEBOARD_AUTHOR": "Bench Operator <bench@example.com>"}
        yield targets, env
    finally:
        weed.stop()


class Lines:
    """A child process's output, line by line, as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.queue.put(line)

    def until(self, text: str, timeout: float = 600) -> tuple[float, list[str]]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"no {text!r} from the publisher; it said:\n{''.join(seen)[-3000:]}") from None
            seen.append(line)
            if text in line:
                return time.perf_counter(), seen


def measure(incidents: int, edits: int, work: Path) -> dict[str, object]:
    content = work / "content"
    if not content.exists():
        synthetic.generate(content, incidents=incidents)
    with hosts(work) as (targets, env):
        site = content / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8") + targets, encoding="utf-8")
        env["PYTHONPATH"] = str(REPO)
        command = [sys.executable, "-m", "generator", "deploy", "--content", str(content), "--watch",
                   "--now", synthetic.NOW]
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
        lines = Lines(process)
        try:
            first, _ = lines.until(DONE)
            edit = Edit(max((content / "incidents").glob("*.yaml")))
            saves: list[float] = []
            try:
                for k in range(1, edits + 1):
                    time.sleep(1.0)  # the watcher's quiet spell, and a pause between posts
                    saved = time.perf_counter()
                    edit.apply(k)
                    done, seen = lines.until(DONE)
                    saves.append(done - saved)
                    print(f"  edit {k}: {done - saved:.2f} s — {seen[-1].strip()}", flush=True)
            finally:
                edit.restore()
        finally:
            process.terminate()
            process.wait(timeout=60)
        fresh = _one_deploy(content, env, work, edit)
    return {"incidents": incidents, "first publish s": round(first - started, 2),
            "save to every host verified s": [round(s, 2) for s in saves],
            "median s": round(statistics.median(saves), 2), "new deploy process s": round(fresh, 2)}


def _one_deploy(content: Path, env: dict[str, str], work: Path, edit: Edit) -> float:
    """The same edit through `noticeboard deploy` in a new process, after a first one."""
    command = [sys.executable, "-m", "generator", "deploy", "--content", str(content), "-o", str(work / "public"),
               "--now", synthetic.NOW]
    subprocess.run(command, cwd=work, env=env, check=True, capture_output=True)
    edit.apply(99)
    try:
        started = time.perf_counter()
        subprocess.run(command, cwd=work, env=env, check=True, capture_output=True)
        return time.perf_counter() - started
    finally:
        edit.restore()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as scratch:
        figures = measure(args.incidents, args.edits, Path(scratch))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
