"""Deploying to a git branch, against a real bare repository as the remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import at
from deploy_support import NOW, add_targets, deploy, require

from generator.build import render

INCIDENT = "incidents/2025-09-26-id-outage.yaml"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def branch_files(remote: Path, ref: str = "gh-pages") -> dict[str, bytes]:
    names = [n for n in git("ls-tree", "-r", "-z", "--name-only", ref, cwd=remote).split("\0") if n]
    batch = subprocess.run(["git", "cat-file", "--batch"], cwd=remote, check=True, capture_output=True,
                           input="".join(f"{ref}:{n}\n" for n in names).encode()).stdout
    files = {}
    for name in names:
        header, batch = batch.split(b"\n", 1)
        size = int(header.split()[2])
        files[name], batch = batch[:size], batch[size + 1:]
    return files


@pytest.fixture
def project(tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The operator's own repository (content committed, one edit not yet committed), and a bare remote."""
    require("git")
    git("init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    git("config", "user.email", "operator@example.test", cwd=tmp_path)
    git("config", "user.name", "Operator", cwd=tmp_path)
    # The remote, the build's cache and its output, as an operator's repository ignores them.
    (tmp_path / ".gitignore").write_text("remote.git/\n.noticeboard-cache/\npublic/\n", encoding="utf-8")
    add_targets(tree, "  - {name: pages, type: git, url: remote.git, cname: status.example.test}\n")
    git("add", ".", cwd=tmp_path)
    git("commit", "--quiet", "-m", "content", cwd=tmp_path)
    tree.replace("services.yaml", "name: {ko: 이체, en: Transfers}", "name: {ko: 계좌이체, en: Transfers}")
    git("init", "--quiet", "--bare", str(tmp_path / "remote.git"), cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _repo_state(repo: Path) -> tuple[str, ...]:
    return (git("symbolic-ref", "HEAD", cwd=repo), git("rev-parse", "HEAD", cwd=repo),
            git("status", "--porcelain", "--untracked-files=all", cwd=repo),
            git("for-each-ref", cwd=repo), git("stash", "list", cwd=repo), git("diff", cwd=repo))


def test_branch_holds_exactly_the_built_site_and_the_operators_repo_is_untouched(tree, project: Path) -> None:
    before = _repo_state(project)
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    remote = project / "remote.git"
    expected = render(tree.root, at(NOW)).files
    assert branch_files(remote) == {**expected, ".nojekyll": b"", "CNAME": b"status.example.test\n"}
    assert git("rev-list", "--count", "gh-pages", cwd=remote).strip() == "1"
    assert _repo_state(project) == before
    assert "pages" in run.out and "verified" in run.out


def test_second_deploy_is_one_commit_with_only_the_changes(tree, project: Path) -> None:
    assert deploy(tree.root).code == 0
    remote = project / "remote.git"
    first = git("rev-parse", "gh-pages", cwd=remote).strip()
    old = render(tree.root, at(NOW)).files
    (tree.root / INCIDENT).unlink()
    new = render(tree.root, at(NOW)).files

    run = deploy(tree.root)

    assert run.code == 0, run.out + run.err
    assert git("rev-parse", "gh-pages^", cwd=remote).strip() == first
    changes = dict(reversed(line.split("\t")) for line in
                   git("diff", "--name-status", "--no-renames", first, "gh-pages", cwd=remote).splitlines())
    assert changes == {**{p: "D" for p in old if p not in new},
                       **{p: "M" for p in new if p in old and old[p] != new[p]},
                       **{p: "A" for p in new if p not in old}}
    assert {p for p, action in changes.items() if action == "D"} >= {"incidents/2025-09-26-id-outage.html"}
    message = git("log", "-1", "--format=%B", "gh-pages", cwd=remote)
    assert message.startswith("Publish status site: 2025-09-26-id-outage (deleted)\n"), message
    assert f"0 new, {list(changes.values()).count('M')} changed, {list(changes.values()).count('D')} deleted" in message
    assert "incidents/2025-09-26-id-outage.html" in message
    assert branch_files(remote) == {**new, ".nojekyll": b"", "CNAME": b"status.example.test\n"}


def test_an_unchanged_site_makes_no_commit(tree, project: Path) -> None:
    assert deploy(tree.root).code == 0
    run = deploy(tree.root, now="2025-09-27T10:07+09:00")  # a scheduled deploy minutes later, nothing due
    assert run.code == 0
    assert "branch already up to date" in run.out
    assert git("rev-list", "--count", "gh-pages", cwd=project / "remote.git").strip() == "1"


def test_commits_are_authored_by_the_operator(tree, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git("config", "user.name", "Kim Minji", cwd=project)
    git("config", "user.email", "minji.kim@example.com", cwd=project)
    assert deploy(tree.root).code == 0
    remote = project / "remote.git"
    assert git("log", "-1", "--format=%an <%ae>", "gh-pages", cwd=remote).strip() == "Kim Minji <minji.kim@example.com>"
    (tree.root / INCIDENT).unlink()
    monkeypatch.setenv("NOTICEBOARD_AUTHOR", "On-call Operator <oncall@example.com>")
    assert deploy(tree.root).code == 0
    assert git("log", "-1", "--format=%an <%ae>", "gh-pages", cwd=remote).strip() == "On-call Operator <oncall@example.com>"
    run = deploy(tree.root, "--author", "nobody")
    assert run.code == 1 and "is not 'Name <email>'" in run.err


def test_an_unreachable_remote_fails_with_a_reason(tree, project: Path) -> None:
    (project / "remote.git").rename(project / "moved.git")
    run = deploy(tree.root)
    assert run.code == 1
    assert "pages" in run.out and "FAILED: git ls-remote failed" in run.out
    assert "Traceback" not in run.out + run.err
