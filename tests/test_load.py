"""The loader: positions for every value, safe construction, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.load import load_content, read_text
from generator.content.yamlfile import _INVISIBLE, LoadFailure, has_invisible, parse_yaml


def parse(text: str):
    return parse_yaml(text, Path("x.yaml"), "x.yaml")


def failure(text: str) -> str:
    with pytest.raises(LoadFailure) as caught:
        parse(text)
    return caught.value.problem.format()


def test_values_and_keys_keep_their_line_and_column() -> None:
    doc = parse("title: a\nupdates:\n  - at: 2025-09-26T21:30+09:00\n    status: resolved\n")
    assert str(doc.loc(("updates", 0, "status"))) == "x.yaml:4:13"
    assert str(doc.loc(("updates", 0, "status"), key=True)) == "x.yaml:4:5"
    assert str(doc.loc(("updates", 0, "nonexistent"))) == "x.yaml:3:5"


def test_times_stay_text_and_only_true_false_are_booleans() -> None:
    doc = parse("at: 2025-09-26 20:15:00+09:00\nlanguages: [ko, no, on]\nflag: true\n")
    assert doc.data == {"at": "2025-09-26 20:15:00+09:00", "languages": ["ko", "no", "on"], "flag": True}


def test_aliases_are_refused_so_alias_bombs_cannot_expand() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n"
    assert "anchors and aliases" in failure(bomb)


def test_duplicate_keys_are_reported_not_silently_overwritten() -> None:
    message = failure("title: a\nimpact: major\ntitle: b\n")
    assert message.startswith("x.yaml:3:1: error: duplicate key 'title'")


def test_python_tags_are_refused() -> None:
    assert "unsupported YAML tag" in failure("x: !!python/object/apply:os.system ['true']\n")


def test_syntax_error_names_line_and_gives_a_hint_about_colons() -> None:
    message = failure("title:\n  ko: 안내: 서비스 중단\n")
    assert message.startswith("x.yaml:2:9: error: YAML syntax error")
    assert "quoted" in message


def test_tabs_get_a_hint() -> None:
    assert "spaces, not tabs" in failure("title:\n\tko: x\n")


def test_cp949_file_is_refused_with_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes("title: 예시은행\n".encode("cp949"))
    with pytest.raises(LoadFailure) as caught:
        read_text(path, "site.yaml")
    text = caught.value.problem.format()
    assert text.startswith("site.yaml:1:8: error: file is not UTF-8")
    assert "CP949" in text and "UTF-8" in caught.value.problem.hint


def test_utf8_bom_is_accepted_and_stripped(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_bytes(b"\xef\xbb\xbftitle: x\r\n")
    assert parse_yaml(read_text(path, "site.yaml"), path, "site.yaml").data == {"title": "x"}


def test_editor_temp_files_are_not_content_and_other_files_only_a_warning(tree) -> None:
    for name in (".#2025-01-01-a.yaml", "2025-01-01-a.yaml~", ".2025-01-01-a.yaml.swp", "notes.txt"):
        tree.write(f"incidents/{name}", "garbage: [")
    files = load_content(tree.root)
    assert [(p.location.file, p.severity) for p in files.problems] == [("content/incidents/notes.txt", "warning")]
    assert [d.path.name for d in files.incidents] == ["2025-09-26-id-outage.yaml"]


def test_symlink_to_outside_content_is_refused(tree, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("title: x\n", encoding="utf-8")
    (tree.root / "incidents" / "2025-01-01-link.yaml").symlink_to(outside)
    files = load_content(tree.root)
    assert any("outside the content folder" in p.message for p in files.problems)


def test_missing_content_folder_is_one_clear_problem(tmp_path: Path) -> None:
    files = load_content(tmp_path / "nope")
    assert [p.message for p in files.problems] == ["content folder not found"]


def test_symlinked_folder_to_outside_content_is_refused(tree, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "2025-01-01-x.yaml").write_text("title: x\n", encoding="utf-8")
    (tree.root / "maintenance").symlink_to(outside)
    files = load_content(tree.root)
    assert [p.message for p in files.problems] == ["folder is a link to outside the content folder"]
    assert files.maintenance == []


def test_every_character_left_out_of_texts_is_one_python_calls_unprintable() -> None:
    """has_invisible answers "no" for a printable text without searching it (most notices); that
    is only right while every character _INVISIBLE finds is unprintable, in every plane."""
    printable = "".join(c for c in map(chr, range(0x110000)) if c.isprintable())
    assert _INVISIBLE.search(printable) is None
    for found in ("a\x07b", "line\n\x85", "\ufeffx", "x\U0010ffff", "\t\ufdd0"):
        assert has_invisible(found)
    assert not has_invisible("제목: 장애\n\tbody\r\n") and not has_invisible("\u3000ok\u00a0")
