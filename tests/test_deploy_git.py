"""Deploying to a git branch, against a real bare repository as the remote."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import at
from deploy_support import NOW, add_targets, deploy, require

from generator.build import render
from generator.content.check import check
from generator.deploy.targets import git as git_target
from generator.errors import ContentError

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


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port where connections are accepted and never answered, the way a hung host behaves."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


@pytest.mark.parametrize("scheme", ["http", "ssh"])
def test_a_remote_that_accepts_and_never_answers_fails_its_target_and_the_others_complete(
        tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str) -> None:
    """Each git call waited 10 minutes on such a remote; now it fails after STALL_SECONDS of silence."""
    require("git")
    if scheme == "ssh":
        require("ssh")
    monkeypatch.setattr(git_target, "STALL_SECONDS", 2)
    monkeypatch.delenv("GIT_SSH", raising=False)
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    with silent_server() as port:
        url = f"http://127.0.0.1:{port}/status.git" if scheme == "http" else f"ssh://git@127.0.0.1:{port}/status.git"
        add_targets(tree, f"  - {{name: hung, type: git, url: '{url}'}}\n"
                          f"  - {{name: web, type: folder, path: {tmp_path / 'www'}}}\n")
        result: list[Any] = []
        worker = threading.Thread(target=lambda: result.append(deploy(tree.root)))
        worker.start()
        worker.join(timeout=60)  # a hang guard, far under the 10 minutes a call could take
        assert not worker.is_alive(), "the deploy is still waiting on the silent remote"
    run = result[0]
    assert run.code == 1 and "hung" in run.out and "FAILED: git ls-remote failed" in run.out, run.out + run.err
    assert "web" in run.out and (tmp_path / "www" / "index.html").is_file(), "the other target completed"


def test_a_git_protocol_url_is_refused_by_check(tree) -> None:
    """git:// has no sign-in and no timeout git can set: a deploy to it can only fail or hang."""
    add_targets(tree, "  - {name: pages, type: git, url: 'git://example.test/status.git'}\n")
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    assert any("git:// urls can't be deployed to" in p.message and "ssh" in p.hint.lower()
               for p in caught.value.problems)


def test_the_operators_own_ssh_command_keeps_its_key_and_gains_the_timeouts() -> None:
    key = {"GIT_SSH_COMMAND": "ssh -i ~/.ssh/deploy_key"}
    assert git_target._ssh_command(key) == ("ssh -i ~/.ssh/deploy_key -o ConnectTimeout=15 -o ServerAliveInterval=5 "
                                            "-o ServerAliveCountMax=3")
    assert git_target._ssh_command({"GIT_SSH": "/usr/bin/plink"}) is None
    assert git_target._ssh_command({"GIT_SSH_COMMAND": "plink -batch"}) is None
