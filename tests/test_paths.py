"""Paths: hostile ids, file names and links are refused with a located error, and a build never
writes outside its output folder (nor swaps away a folder that isn't a built site)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cli_run import assert_no_crash, run_cli
from conftest import DEMO_NOW, ROOT, at

from generator.build import build
from generator.content.check import check
from generator.errors import ContentError, OutputError, Problem
from generator.output.manifest import manifest_path
from generator.output.ownership import BUILT

INC = "incidents/2025-09-26-id-outage.yaml"


def problems(tree) -> list[Problem]:
    with pytest.raises(ContentError) as caught:
        check(tree.root, use_cache=False)
    return caught.value.problems


def errors_about(tree, text: str) -> list[str]:
    return [p.format() for p in problems(tree) if p.severity == "error" and text in p.format()]


def every_file(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root with its size and mtime, leaving out the tool's own cache folder."""
    return {str(p): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in root.rglob("*")
            if ".noticeboard-cache" not in p.parts}


@pytest.mark.parametrize("name", ["a..b.yaml", "con.yaml", "CON.yaml", "aux.yml", "nul.yaml", "com1.yaml", "lpt9.yaml",
                                  "2025-09-26-Fire.yaml", "화재.yaml", "with space.yaml", "-lead.yaml",
                                  "a" * 65 + ".yaml", "a" * 250 + ".yaml"])
def test_an_unusable_file_name_is_refused_by_name(tree, name: str) -> None:
    (tree.root / "incidents" / name).write_text((tree.root / INC).read_text(encoding="utf-8"), encoding="utf-8")
    found = errors_about(tree, f"file name '{name}' cannot be used as an id")
    assert found and "hint: rename it with lowercase letters a-z, digits and hyphens" in found[0]


@pytest.mark.parametrize("folder", ["incidents", "maintenance"])
@pytest.mark.parametrize("name", ["2025-09-26-evil\n.yaml", "2025-09-26-evil\r.yaml", "2025-09-26-\x1b[31mred.yaml"])
def test_a_file_name_with_a_control_character_is_refused_on_one_line(tree, tmp_path: Path, folder: str,
                                                                      name: str) -> None:
    """`…-evil\\n.yaml` was published with a newline in its page's name, links, sitemap and API (a
    maintenance file so named made `build` print a traceback); it is refused, and its name is
    shown escaped, so the report keeps one problem per line and no escape reaches the terminal."""
    source = INC if folder == "incidents" else "maintenance/2025-10-01-upgrade.yaml"
    if folder == "maintenance":
        tree.write(source, "title: {ko: 점검}\nstarts: 2025-10-01T00:00+09:00\nends: 2025-10-01T02:00+09:00\n"
                           "services: [transfer]\n")
    (tree.root / folder / name).write_text((tree.root / source).read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("build", "--content", tree.root, "--output", tmp_path / "public", "--now", DEMO_NOW)
    assert_no_crash(result)
    shown = name.replace("\n", "\\n").replace("\r", "\\r").replace("\x1b", "\\x1b")
    assert result.returncode == 1 and not (tmp_path / "public").exists()
    assert f"content/{folder}/{shown}: error: file name '{shown}' cannot be used as an id\n    hint: rename it" \
        in result.stderr, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr


def test_hidden_and_editor_files_are_not_content(tree, tmp_path: Path) -> None:
    """'..yaml' starts with a dot like an editor's swap file: skipped, never turned into a page."""
    for name in ("..yaml", ".#2025-09-26-id-outage.yaml", "2025-09-26-id-outage.yaml~"):
        (tree.root / "incidents" / name).write_text("not: [valid", encoding="utf-8")
    build(tree.root, tmp_path / "out", at(DEMO_NOW))
    assert sorted(p.name for p in (tmp_path / "out" / "incidents").iterdir()) == ["2025-09-26-id-outage.html"]


def test_names_differing_only_in_extension_are_one_id_used_twice(tree) -> None:
    (tree.root / INC.replace(".yaml", ".yml")).write_text((tree.root / INC).read_text(encoding="utf-8"), encoding="utf-8")
    assert errors_about(tree, "'2025-09-26-id-outage' is used by two files")


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd", "..", "a/b", "a\\\\b", "C:\\\\x", "ID-Check",
                                 "x" * 65, "con", "aux", "nul", "com9", "lpt1", "evil-svc\\n", "evil-svc\\r"])
@pytest.mark.parametrize("where", ["id: transfer", "id: banking", "id: gov-id"])
def test_ids_that_would_become_unsafe_paths_are_refused_where_they_are(tree, tmp_path: Path, where: str,
                                                                       bad: str) -> None:
    tree.replace("services.yaml", where, f'id: "{bad}"')
    line = next(i for i, text in enumerate((tree.root / "services.yaml").read_text().splitlines(), 1) if bad in text)
    located = [p for p in problems(tree) if p.severity == "error" and p.location.file == "content/services.yaml"
               and p.location.line == line]
    assert located and all(p.hint for p in located), [p.format() for p in problems(tree)]
    with pytest.raises(ContentError):
        build(tree.root, tmp_path / "out", at(DEMO_NOW))
    assert not (tmp_path / "out").exists()


def test_a_reserved_affiliate_id_is_refused_before_it_becomes_a_folder(tree) -> None:
    tree.write("site.yaml", (tree.root / "site.yaml").read_text() + "affiliates:\n  - id: prn\n    name: 은행\n")
    found = errors_about(tree, "id 'prn' is a name Windows reserves for a device")
    assert found and found[0].startswith("content/site.yaml:9:")


def test_a_link_to_a_file_outside_content_is_refused(tree, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text((tree.root / INC).read_text(encoding="utf-8"), encoding="utf-8")
    os.symlink(outside, tree.root / "incidents" / "2025-09-27-linked.yaml")
    os.symlink("/dev/zero", tree.root / "incidents" / "2025-09-27-zero.yaml")
    assert len(errors_about(tree, "file is a link to outside the content folder")) == 2


def test_a_linked_folder_outside_content_is_refused(tree, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "2025-10-01-x.yaml").write_text("title: x\n", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", tree.root / "maintenance")
    assert errors_about(tree, "folder is a link to outside the content folder")


@pytest.mark.parametrize("make", ["loop", "dangling", "fifo", "folder"])
def test_links_that_lead_nowhere_and_special_files_are_refused_without_hanging(tree, make: str) -> None:
    """A FIFO named like a notice would block a plain read forever; a symlink loop made Path.resolve raise."""
    path = tree.root / "incidents" / "2025-09-27-odd.yaml"
    {"loop": lambda: os.symlink(path.name, path), "dangling": lambda: os.symlink("nowhere.yaml", path),
     "fifo": lambda: os.mkfifo(path), "folder": lambda: path.mkdir()}[make]()
    found = errors_about(tree, "content/incidents/2025-09-27-odd.yaml: error: not a regular file")
    assert found and "hint: a notice must be an ordinary file" in found[0]


def test_a_link_inside_content_is_followed(tree, tmp_path: Path) -> None:
    os.symlink("2025-09-26-id-outage.yaml", tree.root / "incidents" / "2025-09-27-same.yaml")
    build(tree.root, tmp_path / "out", at(DEMO_NOW))
    assert (tmp_path / "out" / "incidents" / "2025-09-27-same.html").is_file()


def test_a_build_with_path_like_texts_writes_only_its_output_folder(tree, tmp_path: Path) -> None:
    """Texts that look like paths stay texts; longest ids are fine; nothing lands beside the output
    (but the tool's own cache, beside the content)."""
    long_id = "s" * 64
    tree.replace("services.yaml", "id: transfer", f"id: {long_id}")
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단,", "title: {ko: '../../../../tmp/evil /etc/passwd C:\\\\x',")
    (tree.root / INC).rename(tree.root / "incidents" / ("i" * 64 + ".yaml"))
    before = every_file(tmp_path)
    result = run_cli("build", "--content", tree.root, "--output", tmp_path / "public", "--now", DEMO_NOW,
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    changed = {p for p, stamp in every_file(tmp_path).items() if before.get(p) != stamp}
    assert changed and all(p.startswith(str(tmp_path / "public")) for p in changed), sorted(changed)[:5]
    assert (tmp_path / "public" / "services" / f"{long_id}.html").is_file()
    assert not Path("/tmp/evil").exists()


@pytest.mark.parametrize("output, message", [
    (".", "it is or contains the folder you are working in"),
    ("..", "it is or contains the folder you are working in"),
    ("content", "it holds site.yaml"),
    ("repo", "it holds .git"),
    ("home", "it is or contains your home folder"),
])
def test_an_output_folder_that_is_not_a_site_is_never_swapped_away(tree, tmp_path: Path, output: str,
                                                                    message: str) -> None:
    project = tree.root.parent
    (project / "repo" / ".git").mkdir(parents=True)
    (project / "home" / "notes").mkdir(parents=True)
    before = every_file(project)
    result = run_cli("build", "--content", "content", "--output", output, "--now", DEMO_NOW, cwd=project,
                     env={"HOME": str(project / "home")})
    assert_no_crash(result)
    assert result.returncode == 1 and message in result.stderr and "hint: choose a folder of its own" in result.stderr
    assert every_file(project) == before


@pytest.mark.parametrize("output, message", [
    ("x" * 300, "File name too long"),
    ("index-file", "exists and is not a folder"),
    ("index-file/public", "cannot write the site to"),
])
def test_an_unwritable_output_path_is_a_clear_error(tree, output: str, message: str) -> None:
    (tree.root.parent / "index-file").write_text("a file, not a folder", encoding="utf-8")
    result = run_cli("build", "--content", "content", "--output", output, "--now", DEMO_NOW, cwd=tree.root.parent)
    assert_no_crash(result)
    assert result.returncode == 1 and message in result.stderr


def test_a_folder_of_the_users_own_files_is_never_built_into(tree) -> None:
    """`-o docs` with the user's own notes in docs/ used to set them aside in the build cache on
    the first build and delete them on the second."""
    project = tree.root.parent
    (project / "docs").mkdir()
    (project / "docs" / "my-notes.txt").write_text("mine", encoding="utf-8")
    before = every_file(project)
    for _ in range(2):
        result = run_cli("build", "-o", "docs", "--now", DEMO_NOW, cwd=project)
        assert_no_crash(result)
        assert result.returncode == 1 and "already holds files that Noticeboard did not build (my-notes.txt)" \
            in result.stderr and "hint: choose an empty or new folder" in result.stderr, result.stderr
    assert every_file(project) == before
    assert not list(project.rglob("*.spare"))


@pytest.mark.parametrize("output, theme, message", [
    ("content/incidents", None, "it lies inside the content folder"),
    ("content/public", None, "it lies inside the content folder"),
    ("themes", "default", "it holds the theme"),
    ("themes/default", "default", "it is the theme"),
    ("themes/default/static", "default", "it lies inside the theme"),
])
def test_the_content_and_theme_folders_are_never_built_into(tree, output: str, theme: str | None,
                                                            message: str) -> None:
    """`-o content/incidents` destroyed the notices (check then found 0 incidents), `-o themes` the theme."""
    project = tree.root.parent
    shutil.copytree(ROOT / "themes" / "default", project / "themes" / "default")
    before = every_file(project)
    result = run_cli("build", "-o", output, "--now", DEMO_NOW, *(["--theme", theme] if theme else []), cwd=project)
    assert_no_crash(result)
    assert result.returncode == 1 and message in result.stderr and "hint: choose a folder of its own" in result.stderr
    assert every_file(project) == before


def test_a_folder_a_build_made_is_built_into_again_and_an_empty_one_is_taken(tree, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for _ in range(2):
        build(tree.root, tmp_path / "empty", at(DEMO_NOW), use_cache=False)
    assert (tmp_path / "empty" / "index.html").is_file()
    assert (tmp_path / "empty" / BUILT.marker).read_text(encoding="utf-8") == BUILT.text


def test_a_site_built_before_markers_is_recognised_by_the_last_builds_record(tree, tmp_path: Path) -> None:
    """A site an earlier version built has no marker: the manifest beside the content, which lists
    every file of it, vouches for it; without that record the folder is refused like any other."""
    out = tmp_path / "public"
    build(tree.root, out, at(DEMO_NOW))
    (out / BUILT.marker).unlink()
    manifest = manifest_path(tree.root, out)
    record = json.loads(manifest.read_text(encoding="utf-8"))
    del record["files"][BUILT.marker]
    manifest.write_text(json.dumps(record), encoding="utf-8")
    tree.replace("site.yaml", "Test Bank status", "Test Bank service status")  # not up to date: a real build
    build(tree.root, out, at("2025-09-28T10:00+09:00"))
    assert (out / BUILT.marker).is_file()
    (out / BUILT.marker).unlink()
    with pytest.raises(OutputError, match="already holds files that Noticeboard did not build"):
        build(tree.root, out, at("2025-09-29T10:00+09:00"), use_cache=False)
