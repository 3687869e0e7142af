"""`deploy --watch`, the resident publisher: every save reaches every host, verified; a save with a
problem publishes nothing; a notice's time coming publishes with no save."""

from __future__ import annotations

import io
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import at
from deploy_support import add_targets, require

from generator.content.deploy_config import load_targets
from generator.deploy.command import ANONYMOUS
from generator.deploy.hashes import Hashes
from generator.deploy.run import Publishing
from generator.deploy.watch import Publisher, watch
from generator.resident.site import IncrementalSite

INCIDENT = "incidents/2025-09-26-id-outage.yaml"
WAIT = 30.0


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.05)


@pytest.fixture
def hosts(tree, tmp_path: Path) -> tuple[Path, Path]:
    require("git")
    remote = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path)
    add_targets(tree, f"  - {{name: web1, type: folder, path: {tmp_path / 'www'}}}\n"
                      f"  - {{name: pages, type: git, url: {remote}}}\n")
    return tmp_path / "www", remote


@pytest.fixture
def publishing(tree, hosts: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Publisher, io.StringIO]]:
    out = io.StringIO()
    offset = at("2025-09-27T10:00+09:00") - datetime.now(timezone.utc)
    site = IncrementalSite(tree.root, clock=lambda: datetime.now(timezone.utc) + offset)
    cache = tmp_path / ".noticeboard-cache"
    publisher = Publisher(site, load_targets(tree.root), Publishing(cache, Hashes(None), ANONYMOUS), out)
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(publisher, stop))
    thread.start()
    try:
        eventually(lambda: "watching for saves" in out.getvalue(), "the first publish, and the watcher started")
        assert "every host verified" in out.getvalue()
        yield publisher, out
    finally:
        stop.set()
        thread.join()


def branch_text(remote: Path, path: str) -> str:
    shown = subprocess.run(["git", "show", f"gh-pages:{path}"], cwd=remote, capture_output=True, text=True, check=False)
    return shown.stdout if shown.returncode == 0 else ""


def test_a_save_reaches_every_host_verified(tree, hosts: tuple[Path, Path], publishing) -> None:
    www, remote = hosts
    _, out = publishing
    page = "en/incidents/2025-09-26-id-outage.html"
    assert "ID check is back" not in (www / page).read_text(encoding="utf-8")
    tree.replace(INCIDENT, "- at: 2025-09-28T12:00+09:00", "- at: 2025-09-27T09:50+09:00")
    tree.replace(INCIDENT, "- at: 2025-09-29T09:00+09:00", "- at: 2025-09-29T09:00+09:00\n    scheduled: true")
    eventually(lambda: "ID check is back" in (www / page).read_text(encoding="utf-8"), "the folder host")
    eventually(lambda: "ID check is back" in branch_text(remote, page), "the git host")
    eventually(lambda: out.getvalue().count("every host verified") >= 2, "the second publish verified")
    assert "web1:" in out.getvalue() and "pages:" in out.getvalue()


def test_a_save_with_a_problem_publishes_nothing_until_fixed(tree, hosts: tuple[Path, Path], publishing) -> None:
    www, _ = hosts
    _, out = publishing
    before = (www / "index.html").read_bytes()
    tree.replace(INCIDENT, "status: major_outage", "status: major_outtage")
    eventually(lambda: "nothing published" in out.getvalue(), "the problem reported")
    assert "unknown status 'major_outtage'" in out.getvalue() or "major_outtage" in out.getvalue()
    assert (www / "index.html").read_bytes() == before
    tree.replace(INCIDENT, "status: major_outtage", "status: major_outage")
    eventually(lambda: out.getvalue().count("every host verified") >= 2, "published once fixed")


def test_a_notice_coming_due_is_published_with_no_save(tree, hosts: tuple[Path, Path], tmp_path: Path) -> None:
    """The clock runs two seconds before the incident's first update is due."""
    www, _ = hosts
    out = io.StringIO()
    offset = at("2025-09-26T21:29:58+09:00") - datetime.now(timezone.utc)
    site = IncrementalSite(tree.root, clock=lambda: datetime.now(timezone.utc) + offset)
    publisher = Publisher(site, load_targets(tree.root), Publishing(None, Hashes(None), ANONYMOUS), out)
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(publisher, stop))
    thread.start()
    try:
        page = www / "incidents" / "2025-09-26-id-outage.html"
        eventually(lambda: page.is_file(), "the first publish")
        assert "정부 시스템 장애로" not in page.read_text(encoding="utf-8")
        eventually(lambda: "정부 시스템 장애로" in page.read_text(encoding="utf-8"), "the update published when due")
    finally:
        stop.set()
        thread.join()
