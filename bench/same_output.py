"""Do two versions of Noticeboard write the same site? Byte for byte, on the demo and on synthetic content.

A change that means to move code, not behaviour (a new package layout, a faster renderer), must
leave every output file as it was. This builds the demo content and a synthetic tree (every
affiliate's site too) with each version, each from a clean `git worktree` of its revision, and
compares the output trees file by file:

    python -m bench.same_output BASE [HEAD]          # HEAD defaults to the working tree
    python -m bench.same_output 88c3d64 --incidents 1000

Exit 0 when every tree is identical, 1 (listing the first differences) otherwise. Each version
builds with `--no-cache` and with its cache, cold then again after the first build, so the
reuse paths are compared too.
"""

from __future__ import annotations

import argparse
import filecmp
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import synthetic

REPO = Path(__file__).resolve().parent.parent
NOW = synthetic.NOW
LATER = "2025-09-27T10:07+09:00"


@contextmanager
def checkout(revision: str | None, scratch: Path) -> Iterator[Path]:
    """A tree of `revision` (None: the working tree as it is), where `python -m generator` runs it."""
    if revision is None:
        yield REPO
        return
    tree = scratch / f"tree-{revision}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), revision],
                   check=True, capture_output=True)
    try:
        as_installed(tree)
        yield tree
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=True,
                       capture_output=True)


def as_installed(tree: Path) -> None:
    """Lay a source tree out as the package is installed: where themes/ ships as generator.themes
    (themes/__init__.py), link it there, so `python -m generator` run from `tree` uses the tree's
    own theme rather than whichever checkout the environment's editable install maps it to."""
    if (tree / "themes" / "__init__.py").is_file() and not (tree / "generator" / "themes").exists():
        (tree / "generator" / "themes").symlink_to(Path("..") / "themes", target_is_directory=True)


def builds(tree: Path, content: Path, out: Path) -> list[Path]:
    """The outputs one version writes from `content`: uncached; cached, cold and then again at a
    later `--now` into the same folder (so what the last build left is reused); and each
    affiliate's own site."""
    made = [_build(tree, content, out / "nocache", ["--no-cache", "--now", NOW])]
    for name, now in (("cold", NOW), ("again", LATER)):
        _build(tree, content, out / "site", ["--now", now])
        subprocess.run(["cp", "-a", str(out / "site"), str(out / name)], check=True)
        made.append(out / name)
    for affiliate in ("bank", "card"):
        made.append(_build(tree, content, out / f"aff-{affiliate}", ["--now", NOW, "--affiliate", affiliate]))
    return made


def _build(tree: Path, content: Path, output: Path, extra: list[str]) -> Path:
    subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(content), "-o", str(output), *extra],
                   cwd=tree, check=True, capture_output=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    return output


def differences(left: Path, right: Path) -> Iterator[str]:
    """Paths (relative to the trees) that differ, are missing or extra, recursively."""
    compared = filecmp.dircmp(left, right)
    for name in compared.left_only:
        yield f"only in {left}: {name}"
    for name in compared.right_only:
        yield f"only in {right}: {name}"
    _, mismatch, errors = filecmp.cmpfiles(left, right, compared.common_files, shallow=False)
    yield from (f"differs: {left / name}" for name in mismatch + errors)
    for name in compared.common_dirs:
        yield from differences(left / name, right / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("head", nargs="?")
    parser.add_argument("--incidents", type=int, default=300)
    args = parser.parse_args(argv)
    found: list[str] = []
    with tempfile.TemporaryDirectory(prefix="same-output-") as scratch_name:
        scratch = Path(scratch_name)
        big = scratch / "synthetic" / "content"
        synthetic.generate(big, incidents=args.incidents)
        for label, content in (("demo", REPO / "content"), ("synthetic", big)):
            trees = []
            for side, revision in (("a", args.base), ("b", args.head)):
                work = scratch / label / side
                copy = work / "content"
                work.mkdir(parents=True)
                subprocess.run(["cp", "-a", str(content), str(copy)], check=True)
                with checkout(revision, scratch) as tree:
                    trees.append(builds(tree, copy, work / "out"))
            for left, right in zip(*trees):
                diffs = list(differences(left, right))
                print(f"{label} {left.name}: {'identical' if not diffs else f'{len(diffs)} differences'}")
                found += diffs
    for line in found[:40]:
        print("  " + line)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
