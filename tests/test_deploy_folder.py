"""Deploying to a folder a web server serves: exact tree, only changes written, swapped in whole."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import at
from deploy_support import NOW, add_targets, deploy, tree_files

from generator.build import build, render
from generator.deploy.targets import MARKER
from generator.output.ownership import BUILT

INCIDENT = "incidents/2025-09-26-id-outage.yaml"


@pytest.fixture
def www(tree, tmp_path: Path) -> Path:
    add_targets(tree, "  - {name: web1, type: folder, path: srv/www}\n")
    return tmp_path / "srv" / "www"


def _published(www: Path) -> dict[str, bytes]:
    files = tree_files(www)
    assert files.pop(MARKER).startswith(b"This location is published by `noticeboard deploy`")
    return files


def test_folder_holds_exactly_the_built_site(tree, www: Path) -> None:
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    assert _published(www) == render(tree.root, at(NOW)).files
    assert www.stat().st_mode & 0o777 == 0o755, "a web server running as another user must be able to read it"
    assert "web1" in run.out and "verified" in run.out
    folder = www.stat().st_ino
    run = deploy(tree.root)
    assert run.code == 0 and "folder already up to date" in run.out
    assert www.stat().st_ino == folder, "nothing changed, so nothing is swapped"


def test_second_deploy_writes_only_changed_files_and_removes_stale_ones(tree, www: Path) -> None:
    assert deploy(tree.root).code == 0
    inodes = {p: (www / p).stat().st_ino for p in _published(www)}
    old = render(tree.root, at(NOW)).files
    (tree.root / INCIDENT).unlink()
    new = render(tree.root, at(NOW)).files

    run = deploy(tree.root)

    assert run.code == 0, run.out + run.err
    assert _published(www) == new
    unchanged = [p for p in new if old.get(p) == new[p]]
    changed = [p for p in new if p in old and old[p] != new[p]]
    assert unchanged and changed
    assert all((www / p).stat().st_ino == inodes[p] for p in unchanged), "unchanged files are linked, not rewritten"
    assert all((www / p).stat().st_ino != inodes[p] for p in changed)
    assert f"0 new, {len(changed)} changed, {len(set(old) - set(new))} deleted" in run.out
    assert not list(www.parent.glob(".www.*")), "no staging folder is left behind"


def test_a_deploy_that_dies_half_way_leaves_the_published_site_as_it_was(tree, www: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert deploy(tree.root).code == 0
    before = tree_files(www)
    (tree.root / INCIDENT).unlink()
    created = {"count": 0}
    real_open = os.open

    def disk_fills_up(path: str, flags: int, *args: int, **kwargs: object) -> int:
        """The fourth new file in the web server's folder finds its disk full."""
        if flags & os.O_CREAT and str(path).startswith(str(www.parent)):
            created["count"] += 1
            if created["count"] > 3:
                raise OSError(28, "No space left on device", path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", disk_fills_up)
    run = deploy(tree.root)
    assert run.code == 1 and "No space left on device" in run.out and "FAILED" in run.out
    assert tree_files(www) == before

    monkeypatch.undo()
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    assert _published(www) == render(tree.root, at(NOW)).files
    assert not list(www.parent.glob(".www.*"))


def test_a_folder_noticeboard_did_not_publish_is_never_replaced(tree, www: Path) -> None:
    www.mkdir(parents=True)
    (www / "index.html").write_text("someone else's site", encoding="utf-8")
    run = deploy(tree.root)
    assert run.code == 1
    assert "already holds files that Noticeboard did not publish" in run.out
    assert tree_files(www) == {"index.html": b"someone else's site"}


def test_a_scheduled_deploy_with_nothing_new_sends_nothing(tree, www: Path) -> None:
    """A deploy every few minutes (as the example CI schedules it) with no edit and no notice due
    in between: the host is not even swapped."""
    assert deploy(tree.root).code == 0
    inodes = {path: (www / path).stat().st_ino for path in _published(www)}
    run = deploy(tree.root, now="2025-09-27T10:07+09:00")
    assert run.code == 0, run.out + run.err
    assert "folder already up to date" in run.out and "0 new, 0 changed, 0 deleted" in run.out
    assert {path: (www / path).stat().st_ino for path in _published(www)} == inodes


def test_dry_run_shows_the_plan_per_kind_and_writes_nothing(tree, www: Path) -> None:
    run = deploy(tree.root, "--dry-run")
    assert run.code == 0, run.err
    assert not www.exists()
    assert len(run.out.splitlines()) < 20, "a summary per host, not a line per file"
    assert re.search(r"would send \(new\): +\d+ pages, \d+ feeds, \d+ API, 1 asset, \d+ other", run.out), run.out
    assert run.out.rstrip().endswith("dry run: nothing was sent to any target.")


def test_dry_run_lists_every_file_on_request(tree, www: Path) -> None:
    run = deploy(tree.root, "--dry-run", "--list")
    uploads = [line.split()[-1] for line in run.out.splitlines() if line.strip().startswith("upload (new)")]
    assert set(uploads) == set(render(tree.root, at(NOW)).files)
    assert uploads[0].startswith("assets/") and uploads[-1] == "index.html"
    assert not www.exists()


def test_deploy_refuses_content_that_fails_check(tree, www: Path) -> None:
    tree.replace(INCIDENT, "status: resolved", "status: resovled")
    run = deploy(tree.root)
    assert run.code == 1
    assert "unknown status 'resovled'" in run.err
    assert not www.exists()


def test_a_built_folder_is_published_as_it_is(tree, www: Path, tmp_path: Path) -> None:
    built = tmp_path / "public"
    build(tree.root, built, at(NOW))
    (built / ".git").mkdir()
    (built / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    run = deploy(tree.root, "--site", str(built))
    assert run.code == 0, run.out + run.err
    site = tree_files(built)
    assert site.pop(BUILT.marker).startswith(b"This folder is written by `noticeboard build`")
    assert _published(www) == {p: d for p, d in site.items() if not p.startswith(".git/")}, \
        "the site as built, without the build's marker or a repository"
    assert f"from {built}/" in run.out


def test_a_folder_that_is_not_a_built_site_is_refused(tree, www: Path, tmp_path: Path) -> None:
    run = deploy(tree.root, "--site", str(tmp_path))
    assert run.code == 1
    assert "has no index.html" in run.err and not www.exists()


def test_target_picks_some_hosts_and_a_typo_is_named(tree, www: Path) -> None:
    tree.replace("site.yaml", "path: srv/www}\n", "path: srv/www}\n  - {name: web2, type: folder, path: srv/www2}\n")
    run = deploy(tree.root, "--target", "web2")
    assert run.code == 0, run.out + run.err
    assert (www.parent / "www2" / "index.html").is_file() and not www.exists()
    run = deploy(tree.root, "--target", "wbe2")
    assert run.code == 1 and "no deploy target named 'wbe2'" in run.err and "did you mean 'web2'?" in run.err


def test_content_without_targets_gets_a_hint(tree) -> None:
    run = deploy(tree.root)
    assert run.code == 1 and "site.yaml lists no deploy targets" in run.err and "docs/deploy.md" in run.err
