"""Helpers shared by the deploy tests: run the command in-process, add targets, require tools."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main

NOW = "2025-09-27T10:00+09:00"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def deploy(content: Path, *args: str, now: str = NOW) -> Run:
    """`noticeboard deploy` as the operator runs it, in this process so tests can watch its requests;
    it builds into `public/` beside the content folder unless told otherwise."""
    out, err = io.StringIO(), io.StringIO()
    output = [] if "--output" in args or "--site" in args else ["--output", str(content.parent / "public")]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["deploy", "--content", str(content), "--now", now, *output, *args])
    return Run(code, out.getvalue(), err.getvalue())


def add_targets(tree, targets: str) -> None:
    """Append a `deploy:` list (YAML text, indented as under the key) to the tree's site.yaml."""
    site = (tree.root / "site.yaml").read_text(encoding="utf-8")
    (tree.root / "site.yaml").write_text(site + "\ndeploy:\n" + targets, encoding="utf-8")


def require(tool: str) -> str:
    """The tool's path, looked up beside this Python first (a venv's bin/ is often not on PATH);
    a missing tool skips the test locally and fails it in CI, where it must be installed."""
    found = shutil.which(tool, path=sysconfig.get_path("scripts")) or shutil.which(tool)
    if found is None:
        _missing(f"{tool} is not installed")
    return str(found)


def require_module(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        _missing(f"the Python package {name} is not installed")


def _missing(message: str) -> None:
    message += " (pip install -e '.[test]' provides it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
