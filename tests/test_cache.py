"""The content cache makes repeat checks fast and never changes what they produce."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import DEMO_NOW, ROOT, at

from generator.build import build
from generator.content import stamp as stamp_module
from generator.content.cache import CACHE_DIR, ContentCache
from generator.content.check import check
from generator.content.load import load_content
from generator.errors import ContentError

INC = "incidents/2025-09-26-id-outage.yaml"
THEMES = ROOT / "themes"


def digest_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_second_run_parses_nothing_it_already_checked(demo) -> None:
    check(demo)
    files = load_content(demo, ContentCache.open(demo))
    assert files.incidents == [] and files.maintenance == []
    assert len(files.cached["incidents"]) == 4 and len(files.cached["maintenance"]) == 2


def test_warm_build_equals_cold_build(demo, tmp_path: Path) -> None:
    build(demo, tmp_path / "warm1", at(DEMO_NOW))
    build(demo, tmp_path / "warm2", at(DEMO_NOW))
    cold = check(demo, use_cache=False)
    assert check(demo).content == cold.content
    assert digest_tree(tmp_path / "warm1") == digest_tree(tmp_path / "warm2")


def test_an_edited_file_is_read_again(tree, tmp_path: Path) -> None:
    check(tree.root)
    tree.replace(INC, "신분증 진위확인 중단", "신분증 진위확인 일시 중단")
    assert "신분증 진위확인 일시 중단" in str(check(tree.root).content.incidents[0].title)


def test_catalog_change_rechecks_cached_incidents(tree) -> None:
    check(tree.root)
    tree.replace("services.yaml", "- id: id-check", "- id: id-verify")
    tree.replace("services.yaml", "depends_on: [id-check]", "depends_on: [id-verify]")
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    assert "unknown service 'id-check'" in caught.value.report()


def test_cached_files_keep_their_warnings(tree) -> None:
    tree.replace(INC, "    body: {ko: 모두 복구되었습니다., en: All restored.}\n",
                 "    body: {ko: 모두 복구되었습니다., en: All restored.}\n"
                 "    progress: {restored: 3, total: 4, tiers: [{name: {ko: A, en: A}, restored: 1, total: 1}]}\n")
    first = [w.message for w in check(tree.root).warnings]
    assert first == ["the tiers do not add up to the overall figures"]
    assert [w.message for w in check(tree.root).warnings] == first


def test_deleted_file_leaves_the_cache_and_the_site(tree, tmp_path: Path) -> None:
    tree.write("incidents/2025-10-01-other.yaml", (tree.root / INC).read_text(encoding="utf-8"))
    build(tree.root, tmp_path / "out", at("2025-10-02T00:00+09:00"))
    (tree.root / "incidents" / "2025-10-01-other.yaml").unlink()
    build(tree.root, tmp_path / "out", at("2025-10-02T00:00+09:00"))
    assert not (tmp_path / "out" / "incidents" / "2025-10-01-other.html").exists()
    assert list(ContentCache.open(tree.root).entries) == ["content/" + INC]


def cache_files(tree_root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (tree_root.parent / CACHE_DIR / "content.entries").iterdir()}


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "garbage": lambda raw: b"garbage",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "altered text": lambda raw: raw.replace(b"ID check unavailable", b"ID check UNAVAILABLE"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_corrupt_cache_is_a_cold_start(tree, damage: str) -> None:
    cold = check(tree.root, use_cache=False).content
    check(tree.root)
    before = cache_files(tree.root)
    for path in (tree.root.parent / CACHE_DIR / "content.entries").iterdir():
        path.write_bytes(DAMAGE[damage](path.read_bytes()))
    assert cache_files(tree.root) != before
    assert check(tree.root).content == cold
    assert check(tree.root).content == cold
    assert ContentCache.open(tree.root).entries


def test_one_edit_rewrites_only_the_cache_file_holding_it(tree) -> None:
    """Saving the cache costs what changed, not what the content holds."""
    for day in range(1, 21):
        tree.write(f"incidents/2024-01-{day:02d}-old.yaml", (tree.root / INC).read_text(encoding="utf-8")
                   .replace("2025-09-", "2024-01-"))
    check(tree.root)
    before = cache_files(tree.root)
    tree.replace("incidents/2024-01-07-old.yaml", "신분증 진위확인 중단", "신분증 진위확인 일시 중단")
    assert "신분증 진위확인 일시 중단" in str(check(tree.root).content)
    after = cache_files(tree.root)
    assert len(before) > 1 and before.keys() == after.keys()
    assert len([name for name in after if after[name] != before[name]]) == 1


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_unchanged_inputs_mean_nothing_is_rewritten(tree, tmp_path: Path) -> None:
    """Up to date means: the same inputs, and no notice's time has come since (an operator's
    build, or a scheduled deploy's, runs at the current time)."""
    out = tmp_path / "out"
    first = build(tree.root, out, at("2025-09-27T10:00+09:00"))
    assert not first.up_to_date and first.snapshot is not None and first.snapshot.next_change is not None
    before = mtimes(out)
    assert build(tree.root, out, at("2025-09-27T10:00+09:00")).up_to_date
    due = first.snapshot.next_change
    assert build(tree.root, out, due - timedelta(seconds=1)).up_to_date, "nothing came due: still up to date"
    assert mtimes(out) == before
    assert not build(tree.root, out, due).up_to_date, "a notice's time came: the site changes by itself"


def test_one_output_folder_named_two_ways_is_one_build(tree, tmp_path: Path) -> None:
    """`-o out` and `-o sub/../out` are the same folder: the second build finds it up to date."""
    (tmp_path / "sub").mkdir()
    assert not build(tree.root, tmp_path / "out", at("2025-09-27T10:00+09:00")).up_to_date
    assert build(tree.root, tmp_path / "sub" / ".." / "out", at("2025-09-27T10:00+09:00")).up_to_date


def test_an_edit_rewrites_only_files_whose_bytes_changed(tree, tmp_path: Path) -> None:
    out = tmp_path / "out"
    tree.write("incidents/2024-01-01-old.yaml", (tree.root / INC).read_text(encoding="utf-8")
               .replace("2025-09-", "2024-01-").replace("신분증 진위확인 중단", "지난 장애"))
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    before = mtimes(out)
    tree.replace(INC, "정부 시스템 장애로", "정부 전산망 장애로")
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    after = mtimes(out)
    assert after["incidents/2024-01-01-old.html"] == before["incidents/2024-01-01-old.html"]
    assert after["incidents/2025-09-26-id-outage.html"] != before["incidents/2025-09-26-id-outage.html"]
    assert "정부 전산망 장애로" in (out / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    build(tree.root, tmp_path / "cold", at("2025-09-27T10:00+09:00"), use_cache=False)
    assert digest_tree(out) == digest_tree(tmp_path / "cold")


def test_a_hand_edited_output_is_rebuilt(tree, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    (out / "index.html").write_text("tampered", encoding="utf-8")
    assert not build(tree.root, out, at("2025-09-27T10:00+09:00")).up_to_date
    assert "tampered" not in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("tamper", ["delete", "add", "link", "same-size edit"])
def test_an_output_changed_by_hand_is_rebuilt_in_full(tree, tmp_path: Path, tamper: str) -> None:
    out = tmp_path / "out"
    build(tree.root, out, at("2025-09-27T10:00+09:00"))
    page = out / "incidents" / "2025-09-26-id-outage.html"
    if tamper == "delete":
        page.unlink()
    elif tamper == "add":
        (out / "incidents" / "stray.html").write_text("stray", encoding="utf-8")
    elif tamper == "link":
        page.unlink()
        page.symlink_to(out / "index.html")
    else:
        page.write_bytes(page.read_bytes().replace(b"<", b"[", 1))
    assert not build(tree.root, out, at("2025-09-27T10:00+09:00")).up_to_date
    build(tree.root, tmp_path / "cold", at("2025-09-27T10:00+09:00"), use_cache=False)
    assert digest_tree(out) == digest_tree(tmp_path / "cold")
    assert not page.is_symlink()


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Stamps of files written before a run count as settled at once (instead of 2 s later), so
    these tests exercise files found by their stamp alone; calling it lets the clock tick past them."""
    monkeypatch.setattr(stamp_module, "SETTLE_NS", 0)
    return lambda: time.sleep(0.05)


def same_size_edit(path: Path, old: str, new: str) -> None:
    """An edit that keeps the size and puts the mtime back, as `cp -p` or an rsync of an old copy would."""
    assert len(old.encode()) == len(new.encode())
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns


def test_same_size_edit_is_seen_by_check_and_build(tree, tmp_path: Path, trusting) -> None:
    out = tmp_path / "out"
    build(tree.root, out, at(DEMO_NOW))
    check(tree.root)
    trusting()
    same_size_edit(tree.root / INC, "ID check unavailable", "ID check UNAVAILABLE")
    assert "ID check UNAVAILABLE" in str(check(tree.root).content.incidents[0].title)
    assert not build(tree.root, out, at(DEMO_NOW)).up_to_date
    build(tree.root, tmp_path / "cold", at(DEMO_NOW), use_cache=False)
    assert digest_tree(out) == digest_tree(tmp_path / "cold")


@pytest.mark.parametrize("change", ["rename", "delete", "add", "edit theme"])
def test_cached_build_after_a_change_equals_a_cold_build(tree, tmp_path: Path, trusting, change: str) -> None:
    out = tmp_path / "out"
    tree.write("incidents/2024-01-01-old.yaml", (tree.root / INC).read_text(encoding="utf-8")
               .replace("2025-09-", "2024-01-").replace("신분증 진위확인 중단", "지난 장애"))
    theme = tmp_path / "themes" / "mine"
    shutil.copytree(THEMES / "default", theme)
    build(tree.root, out, at(DEMO_NOW), theme="mine")
    assert build(tree.root, out, at(DEMO_NOW), theme="mine").up_to_date
    trusting()
    old = tree.root / "incidents" / "2024-01-01-old.yaml"
    if change == "rename":
        old.rename(old.with_name("2024-01-02-renamed.yaml"))
    elif change == "delete":
        old.unlink()
    elif change == "add":
        tree.write("incidents/2024-02-01-new.yaml", old.read_text(encoding="utf-8").replace("2024-01-", "2024-02-"))
    else:
        same_size_edit(theme / "templates" / "base.html", "<html", "<HTML")
    assert not build(tree.root, out, at(DEMO_NOW), theme="mine").up_to_date
    build(tree.root, tmp_path / "cold", at(DEMO_NOW), theme="mine", use_cache=False)
    assert digest_tree(out) == digest_tree(tmp_path / "cold")
    assert check(tree.root).content == check(tree.root, use_cache=False).content
