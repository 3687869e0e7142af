"""Encodings: what Korean Windows editors save is either accepted (UTF-8 with a BOM, CRLF) or
refused with the encoding named and the fix spelled out (CP949/EUC-KR, UTF-16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import assert_located_error, run_cli
from conftest import DEMO_NOW, at

from generator.build import build
from generator.content.check import check

INC = "incidents/2025-09-26-id-outage.yaml"
SHOWN = "content/" + INC
BOM = b"\xef\xbb\xbf"


def all_yaml(tree) -> list[Path]:
    return sorted(tree.root.rglob("*.yaml"))


def site_bytes(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def reencode(path: Path, encoding: str) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))


@pytest.mark.parametrize("encoding", ["cp949", "euc_kr"])
def test_a_korean_windows_encoding_is_named_with_the_fix(tree, encoding: str) -> None:
    reencode(tree.root / INC, encoding)
    result = run_cli("check", "--content", tree.root)
    assert_located_error(result, SHOWN + ":1:13:", "file is not UTF-8: it looks like CP949/EUC-KR")
    assert "iconv -f CP949 -t UTF-8 old.yaml > new.yaml" in result.stderr
    assert "Save with Encoding" in result.stderr


def test_the_encoding_error_points_at_the_first_korean_byte_on_a_later_line(tree) -> None:
    text = (tree.root / INC).read_text(encoding="utf-8")
    ascii_title = text.replace("title: {ko: 신분증 진위확인 중단, ", "title: {")
    ascii_title = ascii_title.replace("ID check unavailable}", "ID check unavailable, ko: 신분증}")
    first_korean = next(i for i, line in enumerate(ascii_title.splitlines(), 1) if any(ord(c) > 127 for c in line))
    (tree.root / INC).write_bytes(ascii_title.encode("cp949"))
    assert_located_error(run_cli("check", "--content", tree.root), f"{SHOWN}:{first_korean}:",
                         "it looks like CP949/EUC-KR")


def test_utf16_from_notepad_is_named_as_such(tree) -> None:
    reencode(tree.root / INC, "utf-16")
    result = run_cli("check", "--content", tree.root)
    assert_located_error(result, SHOWN + ":1:1:", "file is not UTF-8: it is UTF-16")
    assert "iconv -f UTF-16 -t UTF-8" in result.stderr


def test_bytes_of_no_known_encoding_do_not_suggest_a_wrong_conversion(tree) -> None:
    (tree.root / INC).write_bytes((tree.root / INC).read_bytes().replace("중단".encode(), b"\xe9t\xe9"))
    result = run_cli("check", "--content", tree.root)
    assert_located_error(result, SHOWN + ":1:", "file is not UTF-8: the bytes are not valid UTF-8")
    assert "iconv" not in result.stderr


def test_bom_and_crlf_files_build_the_same_site_byte_for_byte(tree, tmp_path: Path) -> None:
    """Notepad saves UTF-8 with a BOM and CRLF line ends; neither may change a single output byte."""
    tree.replace(INC, "body: {ko: 정부 시스템 장애로 **이용할 수 없습니다**., en: Unavailable because of a government system outage.}",
                 "body:\n      ko: |\n        정부 시스템 장애로\n\n        **감사합니다**.\n      en: Unavailable.")
    build(tree.root, tmp_path / "plain", at(DEMO_NOW))
    for path in all_yaml(tree):
        path.write_bytes(BOM + path.read_bytes().replace(b"\n", b"\r\n"))
    build(tree.root, tmp_path / "windows", at(DEMO_NOW))
    plain, windows = site_bytes(tmp_path / "plain"), site_bytes(tmp_path / "windows")
    assert plain == windows
    assert not any(BOM in data or "\ufeff".encode("utf-16-le") in data for data in windows.values())
    assert "<strong>감사합니다</strong>" in windows["incidents/2025-09-26-id-outage.html"].decode()


def test_a_bom_left_in_the_middle_of_a_file_is_dropped_with_a_warning(tree, tmp_path: Path) -> None:
    """`cat a.yaml b.yaml` carries b's BOM into the middle of a text."""
    tree.replace(INC, "title: {ko: 신분증", "title: {ko: \ufeff신분증")
    result = check(tree.root, use_cache=False)
    assert any(w.location.file == SHOWN and "U+FEFF" in w.message for w in result.warnings)
    build(tree.root, tmp_path / "out", at(DEMO_NOW))
    assert not any(BOM in data for data in site_bytes(tmp_path / "out").values())


def test_crlf_errors_keep_the_line_numbers_an_editor_shows(tree) -> None:
    tree.replace(INC, "impact: major", "impact: majr")
    path = tree.root / INC
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert_located_error(run_cli("check", "--content", tree.root), SHOWN + ":2:9:", "unknown impact 'majr'")


def test_an_escaped_control_character_is_left_out_with_a_warning(tree, tmp_path: Path) -> None:
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단", 'title: {ko: "신분증\\x07 진위확인\\e 중단\\x00"')
    result = check(tree.root, use_cache=False)
    assert [w.location.line for w in result.warnings if "U+0007" in w.message] == [1]
    build(tree.root, tmp_path / "out", at(DEMO_NOW))
    page = (tmp_path / "out" / "incidents" / "2025-09-26-id-outage.html").read_bytes()
    assert "신분증 진위확인 중단".encode() in page
    assert not any(byte in page for byte in (b"\x07", b"\x1b", b"\x00"))


def test_a_raw_control_character_is_an_error_at_its_position(tree) -> None:
    """YAML itself forbids it; the reader's own message said only 'position 123' of the text."""
    tree.replace(INC, "en: ID check unavailable", "en: ID check\x07 unavailable")
    assert_located_error(run_cli("check", "--content", tree.root), SHOWN + ":1:38:",
                         "the file contains an invisible control character U+0007")
