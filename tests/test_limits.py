"""Resource limits: input built to exhaust memory, stack or patience is refused with a clear message.

Each case runs the real command in a child process capped at 512 MB of address space (the demo
needs under 256 MB), so "bounded memory" is enforced by the kernel, and a crash, a MemoryError
traceback or a segfault would show up as a failure here. The limits are in docs/limits.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cli_run import assert_located_error, assert_no_crash, run_cli
from conftest import DEMO_NOW

from generator.content.load import MAX_FILE_BYTES
from generator.content.markdown_limits import MAX_NESTING, MAX_NOTICE_HTML, MAX_TABLE_CELLS
from generator.content.validate import MAX_UPDATES
from generator.content.yamlfile import MAX_TEXT_CHARS, MAX_VALUES

INC = "incidents/2025-09-26-id-outage.yaml"
SHOWN = "content/" + INC


def check(tree) -> object:
    return run_cli("check", "--content", tree.root, "--now", DEMO_NOW)


def build(tree, tmp_path: Path, now: str = DEMO_NOW) -> object:
    return run_cli("build", "--content", tree.root, "--output", tmp_path / "public", "--now", now)


def update(i: int) -> str:
    at = (datetime(2025, 9, 26, 21, 0) + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M+09:00")
    return f"  - {{at: {at}, status: identified, body: 갱신 {i}}}\n"


def with_updates(tree, count: int) -> None:
    head = (tree.root / INC).read_text(encoding="utf-8").split("updates:")[0]
    (tree.root / INC).write_text(head + "updates:\n" + "".join(update(i) for i in range(count)), encoding="utf-8")


def test_an_alias_bomb_is_refused_at_its_first_alias(tree) -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    tree.write(INC, "\n".join(levels) + "\n")
    assert_located_error(check(tree), SHOWN + ":1:5:", "anchors and aliases (&name / *name) are not supported")


@pytest.mark.parametrize("text", [
    pytest.param("title: [" + "[" * 100_000, id="100k-flow-brackets"),
    pytest.param("title: " + "{a: " * 20_000 + "1" + "}" * 20_000, id="20k-flow-mappings"),
    pytest.param("".join(" " * i + "a:\n" for i in range(3_000)) + " " * 3_000 + "b", id="3k-indented-keys"),
    pytest.param("- " * 50_000 + "x", id="50k-block-sequences"),
])
def test_deep_nesting_is_refused_without_crashing(tree, text: str) -> None:
    """libyaml's composer recurses in C: before the depth pre-check, 100,000 '[' killed the process."""
    tree.write(INC, text + "\n")
    result = check(tree)
    assert_located_error(result, SHOWN + ":", "nesting is too deep (limit 50 levels)")
    assert "hint: a notice needs only a few levels" in result.stderr


def test_millions_of_tiny_values_are_refused_before_they_fill_memory(tree) -> None:
    """Four MB of `x,` used to build two million nodes (1.2 GB); the count stops at the limit."""
    tree.write(INC, "title: 제목\nextra: [" + "x," * 2_000_000 + "]\n")
    assert_located_error(check(tree), SHOWN + ":2:", f"file holds more than {MAX_VALUES:,} values")


def test_a_50_mb_file_is_refused_before_it_is_read(tree) -> None:
    big = tree.root / "incidents" / "2025-09-27-huge.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = check(tree)
    assert_no_crash(result)
    assert result.returncode == 1
    assert f"content/incidents/2025-09-27-huge.yaml: error: file is 50.0 MB; the limit is " \
           f"{MAX_FILE_BYTES // 1_048_576} MB" in result.stderr


def test_100k_updates_in_one_incident_are_refused_with_the_reason(tree) -> None:
    with_updates(tree, 100_000)
    result = check(tree)
    assert_no_crash(result)
    assert result.returncode == 1
    assert f"{SHOWN}: error: file is " in result.stderr and "the limit is 5 MB" in result.stderr


def test_more_updates_than_the_limit_point_at_the_updates_key(tree) -> None:
    with_updates(tree, MAX_UPDATES + 1)
    result = check(tree)
    assert_located_error(result, SHOWN + ":13:", f"{MAX_UPDATES + 1:,} updates; the limit is {MAX_UPDATES:,} per incident")
    assert "hint: resolve this incident with a last update and go on in a new incident file" in result.stderr


def test_an_incident_at_the_update_limit_builds(tree, tmp_path: Path) -> None:
    with_updates(tree, MAX_UPDATES)
    result = build(tree, tmp_path, now="2025-10-01T00:00+09:00")
    assert_no_crash(result)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "public" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")
    assert f"갱신 {MAX_UPDATES - 1}" in page


def test_a_text_over_the_length_limit_is_refused_at_its_position(tree) -> None:
    tree.replace(INC, "body: {ko: 모두 복구되었습니다.,", f"body: {{ko: {'가' * (MAX_TEXT_CHARS + 1)},")
    assert_located_error(check(tree), SHOWN + ":22:16:", f"text is {MAX_TEXT_CHARS + 1:,} characters long")


def test_a_number_with_thousands_of_digits_is_refused_not_a_crash(tree) -> None:
    """Python refuses to parse integers past 4,300 digits; that ValueError must not reach the operator."""
    tree.replace(INC, "impact: major", "impact: " + "9" * 5_000)
    assert_located_error(check(tree), SHOWN + ":2:9", "this number is too long to be a count or a time")


@pytest.mark.parametrize("body", [
    pytest.param("[a" * 9_000, id="unclosed-brackets"),
    pytest.param("[a](" * 4_000, id="unclosed-links"),
    pytest.param("<a " * 6_000, id="unclosed-tags"),
    pytest.param("<ul>" * 5_000, id="raw-html-nesting"),
    pytest.param("*a " * 3_300 + "a* " * 3_300, id="nested-emphasis"),
    pytest.param("[a]" * 6_000 + "\\n\\n[a]: http://x.test/" + "y" * 1_000, id="reference-expansion"),
    pytest.param("> " * MAX_NESTING + "x", id="quotes-at-the-nesting-limit"),
    pytest.param("".join(" " * (2 * i) + "- x\\n" for i in range(MAX_NESTING)), id="lists-at-the-nesting-limit"),
    pytest.param("|a|b|c|d|\\n|-|:-:|-|-|\\n" + "|1|2|3|4|\\n" * 499, id="table-at-the-cell-limit"),
])
def test_pathological_markdown_bodies_build(tree, tmp_path: Path, body: str) -> None:
    """Python-Markdown took minutes on the first two; the last three are as far as the limits go."""
    tree.replace(INC, "body: {ko: 모두 복구되었습니다.,", f'body: {{ko: "{body}",')
    result = build(tree, tmp_path)
    assert_no_crash(result)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<script" not in (tmp_path / "public" / "incidents" / "2025-09-26-id-outage.html").read_text(encoding="utf-8")


NESTED = "> " * (MAX_TEXT_CHARS // 2)


@pytest.mark.parametrize(("body", "message"), [
    pytest.param(NESTED, f"quotes and lists are nested more than {MAX_NESTING} levels deep", id="20k-nested-quotes"),
    pytest.param("- " * 9_000 + "x", f"nested more than {MAX_NESTING} levels deep", id="nested-list-markers"),
    pytest.param("".join(" " * i + "- x\\n" for i in range(0, 200, 2)), f"nested more than {MAX_NESTING} levels",
                 id="staircase-lists"),
    pytest.param("".join("\\t" * i + "- x\\n" for i in range(MAX_NESTING + 1)), f"nested more than {MAX_NESTING} levels",
                 id="lists-indented-by-tabs"),
    pytest.param("|" + "a|" * 50 + "\\n|" + "-|" * 50 + "\\n" + "a\\n" * 6_000,
                 f"tables have up to 300,050 cells; the limit is {MAX_TABLE_CELLS:,}", id="padded-table"),
    pytest.param("|a" * 3_000 + "\\n" + "|-" * 3_000 + "\\n" + "|b" * 3_000, "cells; the limit is", id="wide-table"),
])
def test_markdown_that_would_cost_minutes_is_refused_where_it_is(tree, body: str, message: str) -> None:
    """Ten updates of 20,000 characters of nested `> ` took 19 s to build and wrote 51 MB; forty
    filled 490 MB. Each body is refused at its own position, before anything is rendered."""
    head = (tree.root / INC).read_text(encoding="utf-8").split("updates:")[0]
    updates = "".join(f"  - at: 2025-09-26T21:{i:02d}+09:00\n    status: identified\n    body: {{ko: \"{body}\"}}\n"
                      for i in range(10))
    tree.write(INC, head + "updates:\n" + updates)
    result = check(tree)
    for i in range(10):
        assert_located_error(result, f"{SHOWN}:{15 + 3 * i}:16:", message)
    assert "hint: " in result.stderr


def test_a_notice_whose_markdown_makes_too_much_html_is_refused_at_its_updates(tree) -> None:
    """Within every other limit, ten empty quotes nested and then a blank line make 23 bytes of
    HTML a character: 20 such bodies would write 8.6 MB of HTML into every page and feed that
    shows the incident."""
    body = (">" * MAX_NESTING + "\\n\\n") * (MAX_TEXT_CHARS // 12)
    head = (tree.root / INC).read_text(encoding="utf-8").split("updates:")[0]
    updates = "".join(f"  - at: 2025-09-26T21:{i:02d}+09:00\n    status: identified\n    body: {{ko: \"{body}\"}}\n"
                      for i in range(20))
    tree.write(INC, head + "updates:\n" + updates)
    result = check(tree)
    assert_located_error(result, f"{SHOWN}:13:", f"the Markdown bodies make 8.6 MB of HTML; the limit is "
                         f"{MAX_NOTICE_HTML // 2**20} MB per notice")
    assert "nested more than" not in result.stderr
