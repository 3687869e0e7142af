"""Every language complete: `check` warns at file:line about each site language a text lacks,
`--strict` makes that an error for check and build, pages mark a text shown in another
language with its `lang`, and `new` writes a line for every language."""

from __future__ import annotations

import re
from pathlib import Path

from cli_run import run_cli

from generator.content.check import check

INC = "incidents/2025-09-26-id-outage.yaml"
NOW = "2025-09-30T10:00+09:00"  # the fixture's incident resolved, every update published
# The fixture's incident with its title in Korean only, and one update's body too.
UNTRANSLATED = [("title: {ko: 신분증 진위확인 중단, en: ID check unavailable}", "title: 신분증 진위확인 중단"),
                ("body: {ko: 모두 복구되었습니다., en: All restored.}", "body: {ko: 모두 복구되었습니다.}")]


def untranslate(tree) -> None:
    for old, new in UNTRANSLATED:
        tree.replace(INC, old, new)


def test_check_warns_at_file_and_line_for_each_language_a_text_lacks(tree) -> None:
    untranslate(tree)
    result = run_cli("check", "--now", NOW, cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        f"content/{INC}:1:8: warning: title has no 'en' text, so 'en' pages show the 'ko' one",
        f"content/{INC}:22:11: warning: body has no 'en' text, so 'en' pages show the 'ko' one",
    ]
    assert "write it as a mapping with a line for each language: 'ko: …' and 'en: …'" in result.stderr
    assert "hint: add 'en: …' beside 'ko:'" in result.stderr
    assert "2 warnings to review" in result.stdout


def test_a_text_is_warned_about_once_for_each_missing_language(tree) -> None:
    tree.replace("site.yaml", "languages: [ko, en]", "languages: [ko, en, zh]")
    tree.replace("site.yaml", "title: {ko: 테스트은행 서비스 상태, en: Test Bank status}",
                 "title: {ko: 테스트은행 서비스 상태, en: Test Bank status, zh: 测试银行}")
    messages = [w.message for w in check(tree.root).warnings if w.location.file == f"content/{INC}"]
    assert "title has no 'zh' text, so 'zh' pages show the 'ko' one" in messages
    assert not [m for m in messages if "'en'" in m]


def test_strict_makes_check_and_build_fail_on_a_warning_and_build_writes_nothing(tree) -> None:
    project = tree.root.parent
    assert run_cli("build", "--now", NOW, cwd=project).returncode == 0
    published = {p: p.read_bytes() for p in (project / "public").rglob("*") if p.is_file()}
    untranslate(tree)
    for command in ("check", "build"):
        result = run_cli(command, "--strict", "--now", NOW, cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"content/{INC}:1:8: error: title has no 'en' text" in result.stderr
        ending = "; nothing was written" if command == "build" else ""  # check never writes
        assert result.stderr.splitlines()[-1] == f"2 problems in the content (--strict makes every warning an error){ending}"
    assert {p: p.read_bytes() for p in (project / "public").rglob("*") if p.is_file()} == published
    assert run_cli("build", "--now", NOW, cwd=project).returncode == 0, "without --strict it builds"
    assert run_cli("build", "--strict", "--now", NOW, cwd=project).returncode == 1, \
        "a strict build is refused even when a lenient one made the same site"


def test_a_text_shown_in_another_language_carries_its_lang(tree, tmp_path: Path) -> None:
    untranslate(tree)
    assert run_cli("build", "--now", NOW, "-o", tmp_path / "out", cwd=tree.root.parent).returncode == 0
    english = (tmp_path / "out" / "en" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    assert '<h1><span lang="ko">신분증 진위확인 중단</span></h1>' in english
    assert '<div lang="ko"><p>모두 복구되었습니다.</p>\n</div>' in english
    assert "<title>신분증 진위확인 중단 · Test Bank status</title>" in english, "no element can carry it in a title"
    assert '<p>Unavailable because of a government system outage.</p>' in english, "translated texts are unmarked"
    korean = (tmp_path / "out" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    assert '<h1>신분증 진위확인 중단</h1>' in korean and 'lang="ko"><p>' not in korean
    history = (tmp_path / "out" / "en" / "history.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="[^"]*incidents/2025-09-26-id-outage\.html"><span lang="ko">신분증 진위확인 중단</span></a>',
                     history)


def test_new_writes_a_line_for_every_language(tree) -> None:
    result = run_cli("new", "incident", "인터넷뱅킹 접속 지연", "--service", "transfer", "--id", "slow",
                     "--now", "2025-10-02T08:30+09:00", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    text = (tree.root / "incidents" / "2025-10-02-slow.yaml").read_text(encoding="utf-8")
    assert 'title:\n  ko: "인터넷뱅킹 접속 지연"\n  # en: ""   # write this language\'s text here' in text
    assert "    body:\n      ko: \"현재 일부 서비스" in text and '\n      en: "Some services are currently affected.' in text
    warnings = [w.message for w in check(tree.root).warnings if w.location.file.endswith("2025-10-02-slow.yaml")]
    assert warnings == ["title has no 'en' text, so 'en' pages show the 'ko' one"]
    text = text.replace('  # en: ""', '  en: "Internet banking slow"', 1)
    (tree.root / "incidents" / "2025-10-02-slow.yaml").write_text(text, encoding="utf-8")
    assert not [w for w in check(tree.root).warnings if w.location.file.endswith("2025-10-02-slow.yaml")]
    result = run_cli("new", "maintenance", "이체 점검", "--service", "transfer", "--id", "transfer-upgrade",
                     "--starts", "2025-10-12T00:00+09:00", "--ends", "2025-10-12T06:00+09:00", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    window = (tree.root / "maintenance" / "2025-10-12-transfer-upgrade.yaml").read_text(encoding="utf-8")
    assert 'title:\n  ko: "이체 점검"\n  # en: ""' in window
