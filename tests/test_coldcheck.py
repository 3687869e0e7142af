"""A cold check run in worker processes finds, reports and builds exactly what a check in one process does."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO_NOW, at, fork_even_small_jobs
from test_build import tree_digest

from generator.build import build
from generator.content import coldcheck
from generator.content.cache import ContentCache, shard_of
from generator.content.check import check
from generator.content.load import load_content
from generator.errors import ContentError

INC = "incidents/2025-09-26-id-outage.yaml"
TIERS = ("    body: {ko: 모두 복구되었습니다., en: All restored.}\n",
         "    body: {ko: 모두 복구되었습니다., en: All restored.}\n"
         "    progress: {restored: 3, total: 4, tiers: [{name: {ko: A, en: A}, restored: 1, total: 1}]}\n")


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check even a handful of notices in forked workers, a few per chunk, as a large site is checked."""
    fork_even_small_jobs(monkeypatch, coldcheck, "CHUNK_FILES", 2)


def in_one_process(content: Path):
    """What the check finds without workers (and without the cache)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coldcheck, "PARALLEL_THRESHOLD", 10**9)
        return check(content, use_cache=False)


def _many(tree, count: int = 7) -> None:
    """`count` more incidents besides the fixture's, one of them with a warning."""
    text = (tree.root / INC).read_text(encoding="utf-8")
    for n in range(count):
        tree.write(f"incidents/2025-10-{n + 1:02d}-copy.yaml", text.replace(*TIERS) if n == 3 else text)


def test_workers_fill_the_cache_so_the_check_parses_nothing(demo, workers: None) -> None:
    cache = ContentCache.open(demo)
    coldcheck.prefill(demo, cache)
    files = load_content(demo, cache)
    assert files.incidents == [] and files.maintenance == []
    assert len(files.cached["incidents"]) == 4 and len(files.cached["maintenance"]) == 2


def test_what_workers_checked_is_on_disk_for_the_next_run(tree, workers: None) -> None:
    _many(tree, 3)
    check(tree.root)
    text = (tree.root / INC).read_text(encoding="utf-8")
    taken = shard_of(f"content/{INC}")
    namesakes = [n for n in (f"incidents/2025-11-01-n{n}.yaml" for n in range(5000)) if shard_of(f"content/{n}") == taken]
    for name in namesakes[:2] + [f"incidents/2025-11-02-other-{n}.yaml" for n in range(3)]:
        tree.write(name, text)  # two in the cache file that holds the first incident, three most likely not
    check(tree.root)
    files = load_content(tree.root, ContentCache.open(tree.root))
    assert files.incidents == [] and len(files.cached["incidents"]) == 9


def test_a_check_in_workers_equals_one_in_one_process(tree, workers: None) -> None:
    _many(tree)
    serial = in_one_process(tree.root)
    for use_cache in (True, True, False):  # cold, then warm from what the workers stored, then without the cache
        checked = check(tree.root, use_cache=use_cache)
        assert checked.content == serial.content
        assert checked.warnings == serial.warnings and len(serial.warnings) == 1


def test_a_site_built_from_a_check_in_workers_is_the_same(demo, tmp_path: Path, workers: None) -> None:
    build(demo, tmp_path / "workers", at(DEMO_NOW))
    coldcheck.PARALLEL_THRESHOLD = 10**9
    build(demo, tmp_path / "one-process", at(DEMO_NOW), use_cache=False)
    assert tree_digest(tmp_path / "workers") == tree_digest(tmp_path / "one-process")


@pytest.mark.parametrize("use_cache", [True, False])
def test_errors_are_reported_as_one_process_reports_them(tree, workers: None, use_cache: bool) -> None:
    _many(tree)
    tree.replace("incidents/2025-10-02-copy.yaml", "status: resolved", "status: resovled")
    tree.replace("incidents/2025-10-05-copy.yaml", "service: id-check", "service: id-chek")
    tree.write("incidents/2025-10-06-copy.yaml", "title: [unclosed\n")
    with pytest.raises(ContentError) as serial:
        in_one_process(tree.root)
    with pytest.raises(ContentError) as parallel:
        check(tree.root, use_cache=use_cache)
    assert parallel.value.report() == serial.value.report()
    assert "the tiers do not add up" in serial.value.report() and "resovled" in serial.value.report()


def test_an_error_in_services_yaml_is_reported_as_one_process_reports_it(tree, workers: None) -> None:
    _many(tree)
    tree.replace("services.yaml", "- id: id-check", "- id: id check")
    with pytest.raises(ContentError) as serial:
        in_one_process(tree.root)
    with pytest.raises(ContentError) as parallel:
        check(tree.root)
    assert parallel.value.report() == serial.value.report()
