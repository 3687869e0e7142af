"""Output is all-or-nothing, deterministic, and never lands outside the output folder."""

from __future__ import annotations

import errno
import hashlib
import multiprocessing.pool
import os
import shutil
import time
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import DEMO, DEMO_NOW, ROOT, at, fork_even_small_jobs

from generator.build import build
from generator.content.names import safe_relative
from generator.errors import ContentError, OutputError
from generator.output.ownership import BUILT
from generator.output import staging
from generator.output.write import recover, write_site
from generator.site import render as rendering


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    build(DEMO, tmp_path / "a", at(DEMO_NOW))
    build(DEMO, tmp_path / "b", at(DEMO_NOW))
    first, second = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert first == second and len(first) > 40


def test_templates_compiled_by_one_build_serve_the_next_and_a_folder_that_cant_be_made_costs_nothing(
        tmp_path: Path) -> None:
    """Jinja keeps the compiled templates beside the content: a build that loads them writes the
    same site as one that compiled them, and where their folder can't be made builds still work."""
    shutil.copytree(DEMO, tmp_path / "content")
    build(tmp_path / "content", tmp_path / "compiled", at(DEMO_NOW))
    [folder] = (tmp_path / ".noticeboard-cache").glob("templates-*")
    assert len(list(folder.iterdir())) >= 10, "each template kept"
    build(tmp_path / "content", tmp_path / "loaded", at(DEMO_NOW))
    assert tree_digest(tmp_path / "loaded") == tree_digest(tmp_path / "compiled")
    shutil.rmtree(folder)
    folder.write_text("not a folder")
    build(tmp_path / "content", tmp_path / "unkept", at(DEMO_NOW))
    assert tree_digest(tmp_path / "unkept") == tree_digest(tmp_path / "compiled")
    assert folder.read_text() == "not a folder"


def test_a_failed_build_leaves_the_last_good_site_untouched(tree, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    before = tree_digest(out)
    tree.replace("incidents/2025-09-26-id-outage.yaml", "status: resolved", "status: resovled")
    with pytest.raises(ContentError) as refused:
        build(tree.root, out, at("2025-09-28T10:00+09:00"))
    assert [p.message for p in refused.value.problems] == ["unknown status 'resovled'"]
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public")] == []


@pytest.mark.parametrize("fail_at", [1, 10, 20])
def test_a_build_that_fails_while_writing_leaves_the_last_good_site_untouched(
        tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int) -> None:
    """A content error stops a build before its staging folder exists; a full disk stops it half-way
    through writing, with the staging folder half full: that must never be swapped in."""
    out = tmp_path / "public"
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    before = tree_digest(out)
    tree.replace("site.yaml", "Test Bank status", "Test Bank service status")  # every English page changes
    opened, created = os.open, [0]

    def full_disk(path: str, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and ".public.new-" in str(path):
            created[0] += 1
            if created[0] == fail_at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        return opened(path, flags, *args, **kwargs)

    monkeypatch.setattr(staging.os, "open", full_disk)
    with pytest.raises(OutputError, match="No space left on device; hint: check that path, the free disk space"):
        build(tree.root, out, at("2025-09-28T10:00+09:00"))
    assert created[0] == fail_at, "the build stopped at the first failed write"
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public")] == []


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render even the demo's few pages in forked workers, as a large site is."""
    fork_even_small_jobs(monkeypatch, rendering, "CHUNK_PAGES", 7)


def test_pages_written_by_forked_workers_are_those_of_an_in_process_build(tmp_path: Path, forked: None) -> None:
    build(DEMO, tmp_path / "forked", at(DEMO_NOW))
    assert build(DEMO, tmp_path / "forked", at(DEMO_NOW)).up_to_date
    rendering.PARALLEL_THRESHOLD = 10**9
    build(DEMO, tmp_path / "in-process", at(DEMO_NOW), use_cache=False)
    assert tree_digest(tmp_path / "forked") == tree_digest(tmp_path / "in-process")


def _build_with_broken(tmp_path: Path, template: str, error: str = "{{ no_such_thing.x }}"
                       ) -> pytest.ExceptionInfo[jinja2.UndefinedError]:
    """Build the demo into tmp_path/public, put `error` into `template`, build again; the site
    and no staging folder must be left as the first build wrote them."""
    shutil.copytree(DEMO, tmp_path / "site" / "content")
    page = tmp_path / "site" / "themes" / "broken" / "templates" / template
    page.parent.mkdir(parents=True)
    shutil.copy(ROOT / "themes" / "default" / "templates" / template, page)
    out = tmp_path / "public"
    build(tmp_path / "site" / "content", out, at(DEMO_NOW), theme="broken")
    before = tree_digest(out)
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("{% block main %}", "{% block main %}" + error), encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError) as raised:
        build(tmp_path / "site" / "content", out, at(DEMO_NOW), theme="broken")
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public")] == []
    return raised


def test_a_template_error_in_a_worker_leaves_the_last_good_site_and_no_staging(tmp_path: Path, forked: None) -> None:
    raised = _build_with_broken(tmp_path, "incident.html")
    assert isinstance(raised.value.__cause__, multiprocessing.pool.RemoteTraceback), "not raised in a worker"


_SLOW: list[Any] = []  # the building process's pid and the real chunk renderer, for _slow_worker


def _slow_worker(bounds: tuple[int, int]) -> list[rendering.Rendered]:
    """However busy the machine, the worker stays at the front of the pages while the building
    process, done with the machine outputs, takes the last ones (at module level: the pool
    hands the worker its function by name)."""
    building, render_range = _SLOW
    if os.getpid() != building:
        time.sleep(0.5)
    result: list[rendering.Rendered] = render_range(bounds)
    return result


def test_a_template_error_beside_the_worker_leaves_the_last_good_site(tmp_path: Path, forked: None,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "AHEAD", 1)  # the worker takes one chunk while the feeds are made, not all
    _SLOW[:] = [os.getpid(), rendering._render_range]
    monkeypatch.setattr(rendering, "_render_range", _slow_worker)
    # The English home of the bank's section is among the last pages, which the building process renders first.
    raised = _build_with_broken(tmp_path, "index.html",
                                '{% if page.path.startswith("en/bank/") %}{{ no_such_thing.x }}{% endif %}')
    assert raised.value.__cause__ is None, "raised in a worker, not beside it"


def test_a_rebuild_replaces_stale_files(tree, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").rename(tree.root / "incidents" / "2025-09-26-renamed.yaml")
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    assert not (out / "incidents" / "2025-09-26-id-outage.html").exists()
    assert (out / "incidents" / "2025-09-26-renamed.html").is_file()


@pytest.mark.parametrize("path", ["../x.html", "/etc/passwd", "a/../../x", "a\x00b", "con.html", "a\\b", "", "./x",
                                  "x" * 300])
def test_unsafe_output_paths_are_refused(path: str) -> None:
    with pytest.raises(OutputError):
        safe_relative(path)


def test_writer_refuses_before_touching_anything(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site({"index.html": b"old"}, out)
    with pytest.raises(OutputError):
        write_site({"index.html": b"new", "../escape.html": b"x"}, out)
    assert (out / "index.html").read_bytes() == b"old"
    assert not (tmp_path / "escape.html").exists()


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "public").write_text("not a folder")
    with pytest.raises(OutputError):
        write_site({"index.html": b"x"}, tmp_path / "public")


def test_recover_restores_a_site_retired_by_an_interrupted_swap(tmp_path: Path) -> None:
    out = tmp_path / "public"
    write_site({"index.html": b"good"}, out)
    out.rename(tmp_path / ".public.old-abc")
    recover(out)
    assert (out / "index.html").read_bytes() == b"good"


def files_in(root: Path) -> dict[str, bytes]:
    """The site in `root`, and (taken out) the marker that says a build wrote it."""
    found = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    assert found.pop(BUILT.marker) == BUILT.text.encode()
    return found


SITES = [  # each written over the one two steps back, which the writer set aside
    {"a/b.html": b"1", "keep.html": b"same", "x/y/z.html": b"deep"},
    {"c.html": b"2", "keep.html": b"same"},
    {"a": b"a file where a folder was", "keep.html": b"same", "x/y/z.html": b"deep, changed"},
    {"c.html/d.html": b"a folder where a file was", "keep.html": b"same"},
    {"a/b/c.html": b"a folder where a file was, again", "keep.html": b"same"},
    {"index.html": b"only this"},
]


def test_each_site_written_over_an_older_one_is_exactly_itself(tmp_path: Path) -> None:
    out, manifest = tmp_path / "public", tmp_path / "cache" / "manifest.json"
    for number, site in enumerate(SITES):
        write_site(site, out, manifest, str(number))
        assert files_in(out) == site
        folders = {path.rsplit("/", end)[0] for path in site for end in range(1, path.count("/") + 1)}
        assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()} == folders
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public")] == []


def test_a_new_file_is_never_written_through_a_name_the_live_site_shares(tmp_path: Path) -> None:
    """The folder a writer writes over holds hard links to the live site's files: replacing one
    must leave the live file as it was until the new site is swapped in."""
    out, manifest = tmp_path / "public", tmp_path / "cache" / "manifest.json"
    write_site({"page.html": b"first"}, out, manifest, "1")
    write_site({"page.html": b"first", "other.html": b"x"}, out, manifest, "2")  # page.html is linked, not rewritten
    witness = tmp_path / "witness"
    witness.hardlink_to(out / "page.html")
    write_site({"page.html": b"second"}, out, manifest, "3")
    assert witness.read_bytes() == b"first"
    assert files_in(out) == {"page.html": b"second"}


def test_a_file_changed_by_hand_is_not_taken_from_the_folder_set_aside(tmp_path: Path) -> None:
    out, manifest = tmp_path / "public", tmp_path / "cache" / "manifest.json"
    write_site({"page.html": b"built"}, out, manifest, "1")
    write_site({"page.html": b"built"}, out, manifest, "2")
    (out / "page.html").write_bytes(b"edited in place")  # the copy set aside shares this file
    write_site({"page.html": b"built"}, out, manifest, "3")
    assert files_in(out) == {"page.html": b"built"}
