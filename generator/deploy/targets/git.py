"""A branch of a git repository (GitHub Pages, GitLab Pages, any git host).

Everything happens in a bare repository of Noticeboard's own, kept in the content's cache folder
so that each deploy fetches only what is new on the branch (a temporary one without a cache):
the branch's last commit is fetched, one new commit is built from it with `git fast-import`
(only changed files become new blobs), and that commit is pushed. The operator's own
repository, working tree and current branch are never touched, and history is kept: the push
is a plain fast-forward, never forced. The commit is authored by the operator and its message
names the notices whose pages changed: the branch's history is an audit trail of what was
published when, and by whom.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

from generator.content.deploy_config import GitConfig
from generator.deploy.hashes import Hashes
from generator.deploy.plan import Plan
from generator.deploy.targets.base import Files, TargetError
from generator.output.write import locked

_FETCHED = "refs/noticeboard/published"
_BUILT = "refs/noticeboard/deploy"
_LISTED = 30
# How long a remote may send nothing before its target fails: one that accepts connections and
# never answers held each git call for the 10-minute backstop, with the operator waiting on it.
STALL_SECONDS = 15
# Variables that would point git at the operator's repository (set inside hooks, for example).
_REPO_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE")


class GitTarget:
    def __init__(self, config: GitConfig, hashes: Hashes, cache: Path | None, author: str) -> None:
        self.config, self._hashes, self.author = config, hashes, author
        self.env = {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}
        self.env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
        ssh = _ssh_command(self.env)
        if ssh is not None:
            self.env["GIT_SSH_COMMAND"] = ssh
        self.kept = cache is not None
        self.repo = cache / f"deploy-{config.name}.git" if cache is not None else \
            Path(tempfile.mkdtemp(prefix="noticeboard-git-"))
        self.head: str | None = None
        self.pushed: str | None = None
        self._lock = ExitStack()
        if self.kept:
            self.repo.mkdir(parents=True, exist_ok=True)
            self._lock.enter_context(locked(self.repo))  # two deploys at once share one repository
        if not (self.repo / "HEAD").is_file():
            self._git("init", "--bare", "--quiet")

    def hash(self, sha256: str, read: Callable[[], bytes]) -> str:
        """Git's own blob id, so the branch's tree can be compared without downloading any file."""
        return self._hashes.of("git", sha256, read)

    def extra(self) -> dict[str, bytes]:
        """GitHub Pages needs `.nojekyll` (or it drops `_headers`) and, for a custom domain, CNAME."""
        found = {".nojekyll": b""}
        if self.config.cname:
            found["CNAME"] = f"{self.config.cname}\n".encode("ascii")
        return found

    def state(self) -> dict[str, str | None]:
        self.head = self._fetch()
        if self.head is None:
            return {}
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", self.head)
        found: dict[str, str | None] = {}
        for entry in listing.split(b"\0"):
            if entry:
                meta, path = entry.split(b"\t", 1)
                _mode, kind, sha = meta.split()
                if kind == b"blob":
                    found[path.decode("utf-8", "surrogateescape")] = sha.decode("ascii")
        return found

    def published(self) -> str | None:
        """The branch's head commit, if this repository has it (it made or fetched it before)."""
        listed = self._git("ls-remote", "--", self.config.url, f"refs/heads/{self.config.branch}").split()
        if not listed:
            return None
        head = listed[0].decode("ascii")
        try:
            self._git("cat-file", "-e", f"{head}^{{commit}}")
        except TargetError:
            return None
        self.head = head
        return head

    def apply(self, plan: Plan, files: Files, token: str) -> str:
        """A git branch is marked by its commit: `token` is not needed."""
        if not plan.steps:
            self.pushed = self.head
            return "branch already up to date"
        self._git("fast-import", "--quiet", "--done", stdin=self._stream(plan, files))
        commit = self._git("rev-parse", _BUILT).decode("ascii").strip()
        self._git("push", "--quiet", "--", self.config.url, f"{commit}:refs/heads/{self.config.branch}")
        self.pushed = self.head = commit
        return f"commit {commit[:10]}"

    def check_sent(self, plan: Plan, local: Mapping[str, str], token: str) -> None:
        """The branch's head is the commit just pushed, whose tree git built from the files' own
        blob ids: nothing else to read."""
        if self.pushed is not None and self.published() != self.pushed:
            raise TargetError(f"branch {self.config.branch} does not point at the commit just pushed; "
                              "run the deploy again")

    def read(self, path: str) -> bytes:
        if self.head is None:
            raise TargetError(f"branch {self.config.branch} does not exist")
        return self._git("cat-file", "blob", f"{self.head}:{path}")

    def close(self) -> None:
        self._lock.close()
        if not self.kept:
            shutil.rmtree(self.repo, ignore_errors=True)

    def _fetch(self) -> str | None:
        """The branch's current commit (fetched with its tree), or None when the branch is new."""
        ref = f"refs/heads/{self.config.branch}"
        if not self._git("ls-remote", "--", self.config.url, ref).strip():
            return None
        self._git("fetch", "--quiet", "--no-tags", "--depth=1", "--", self.config.url, f"+{ref}:{_FETCHED}")
        return self._git("rev-parse", _FETCHED).decode("ascii").strip()

    def _stream(self, plan: Plan, files: Files) -> bytes:
        """One commit on top of the fetched one, changing exactly the planned files, authored by
        the operator (the committer is the machine's git identity, if it has one)."""
        stamp = f"{int(time.time())} +0000"
        name, email = os.environ.get("GIT_COMMITTER_NAME"), os.environ.get("GIT_COMMITTER_EMAIL")
        committer = f"{name} <{email}>" if name and email else self.author
        message = commit_message(plan).encode("utf-8")
        out = [f"commit {_BUILT}\nauthor {self.author} {stamp}\ncommitter {committer} {stamp}\n".encode("utf-8"),
               b"data %d\n%s\n" % (len(message), message)]
        if self.head:
            out.append(f"from {self.head}\n".encode("ascii"))
        for step in plan.steps:
            path = _quote(step.path)
            if step.action == "delete":
                out.append(b"D %s\n" % path)
            else:
                data = files.read(step.path)
                out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path, len(data), data))
        out.append(b"\ndone\n")
        return b"".join(out)

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        # https: a remote that sends nothing for STALL_SECONDS fails the call (ssh: see _ssh_command)
        stall = ["-c", "http.lowSpeedLimit=1", "-c", f"http.lowSpeedTime={STALL_SECONDS}"]
        try:
            done = subprocess.run(["git", *stall, "--git-dir", str(self.repo), *args], input=stdin,
                                  capture_output=True, env=self.env, timeout=600,
                                  stdin=None if stdin is not None else subprocess.DEVNULL)
        except FileNotFoundError:
            raise TargetError("git is not installed (it is needed for git targets)") from None
        except subprocess.TimeoutExpired:
            raise TargetError(f"git {args[0]} took longer than 10 minutes; check the network and try again") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
            raise TargetError(f"git {args[0]} failed: {' / '.join(lines[-3:]) or f'exit code {done.returncode}'}")
        return done.stdout


def _ssh_command(env: dict[str, str]) -> str | None:
    """The ssh command git should use, with a connect timeout (which covers a server that accepts
    and never greets) and keep-alives (a server that stops answering later): the operator's own
    (GIT_SSH_COMMAND, or core.sshCommand, which may name their key) with the options added, or
    plain ssh; None to leave git's choice alone (GIT_SSH, or a command that isn't OpenSSH's)."""
    if "GIT_SSH" in env:
        return None
    own = env.get("GIT_SSH_COMMAND")
    if own is None:
        try:
            found = subprocess.run(["git", "config", "--get", "core.sshCommand"], capture_output=True, env=env,
                                   stdin=subprocess.DEVNULL, check=False, timeout=60)
        except (OSError, subprocess.TimeoutExpired):  # no git: the first real call says so
            return None
        own = found.stdout.decode("utf-8", "replace").strip() or "ssh"
    words = own.split()
    if not words or os.path.basename(words[0]) not in ("ssh", "ssh.exe"):
        return None
    return (f"{own} -o ConnectTimeout={STALL_SECONDS} -o ServerAliveInterval={max(1, STALL_SECONDS // 3)} "
            "-o ServerAliveCountMax=3")


def commit_message(plan: Plan) -> str:
    """Names the notices whose pages changed, then what changed, so the branch's history reads as
    a log of what was published when."""
    lines = [f"Publish status site: {notices_changed(plan)}", "",
             f"{plan.count('new')} new, {plan.count('change')} changed, {plan.count('delete')} deleted files", ""]
    for action, word in (("new", "new"), ("change", "changed"), ("delete", "deleted")):
        paths = [s.path for s in plan.steps if s.action == action]
        if paths:
            more = f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else ""
            lines.append(f"{word}: {', '.join(paths[:_LISTED])}{more}")
    return "\n".join(lines) + "\n"


def notices_changed(plan: Plan) -> str:
    """'2025-10-05-app-login (new), 2025-09-26-nirs-fire (changed)': the incidents and windows
    whose own pages the plan sends or deletes, in any language; or what else changed."""
    words = {"new": "new", "change": "changed", "delete": "deleted"}
    found: dict[str, str] = {}
    for step in plan.steps:
        parts = step.path.split("/")
        if len(parts) >= 2 and parts[-2] in ("incidents", "maintenance") and parts[-1].endswith(".html"):
            found.setdefault(parts[-1][:-5], words[step.action])
    if found:
        return ", ".join(f"{notice} ({word})" for notice, word in found.items())
    return "no notice changed (the state at this time, the theme or settings did)"


def _quote(path: str) -> bytes:
    """fast-import reads a C-style quoted path whatever characters it holds."""
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'.encode("utf-8", "surrogateescape")

