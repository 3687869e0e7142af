"""`noticeboard update` and `resolve`: one update appended, every other byte of the file kept, and
nothing written unless the content as it would be passes `check`."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from conftest import at
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.content.append import Moment, append_update
from generator.content.check import check
from generator.content.yamlfile import has_invisible, parse_yaml
from generator.errors import NoticeboardError
from generator.post.command import replace_file
from generator.state.derive import snapshot

OPEN = "incidents/2025-10-02-app-login.yaml"
# An operator's own file: comments everywhere, a flow mapping with inner spaces, a sequence
# indented its own way, blank lines, a comment under the last update, a section after it.
OPEN_TEXT = """\
# yaml-language-server: $schema=../../generator/schema/incident.schema.json
# 앱 로그인 장애 — 당직: 김 대리   (on call)

title: { ko: 앱 로그인 실패,  en: "App login fails" }   # keep the spaces
impact: major
started: 2025-10-02T08:30+09:00
affected:
- service: id-check      # offset 0, as some editors write it
  status: major_outage
- upstream: gov-id
  status: partial_outage

updates:
    -   at: 2025-10-02T08:40+09:00
        status: investigating
        body:
            ko: |
                로그인이 되지 않는 문제를 확인하고 있습니다.

                앱을 **다시 시작**해도 같습니다.
            en: We are looking into failed logins.   # short

    -   at: "2025-10-02T09:05+09:00"
        status: identified
        body: {ko: '원인을 찾았습니다: 인증 서버', en: "Cause found: the sign-in server"}
        # the next update goes below this line

not_recovered:   # what customers redo
  - {ko: 실패한 이체는 다시 해 주세요., en: Retry failed transfers.}
"""


def post(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def incident(tree) -> Path:
    return tree.write(OPEN, OPEN_TEXT)


def inserted(before: str, after: str) -> str:
    """What `after` adds to `before` in one place, asserting that is all it changes."""
    start = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), len(before))
    added = len(after) - len(before)
    assert added > 0 and after[:start] == before[:start] and after[start + added:] == before[start:], after
    return after[start:start + added]


def test_update_appends_one_entry_and_keeps_every_other_byte(tree, incident: Path) -> None:
    code, out, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--status", "monitoring",
                          "--service", "id-check=operational", "--body", "신분증 확인이 복구되었습니다.",
                          "--body-en", "ID checks work again.", "--now", "2025-10-02T01:10:30+00:00")
    assert code == 0, err
    after = incident.read_text(encoding="utf-8")
    assert after == OPEN_TEXT.replace("below this line\n\nnot_recovered:", (
        "below this line\n"
        "\n"
        "    -   at: 2025-10-02T10:10:30+09:00\n"
        "        status: monitoring\n"
        "        services:\n"
        "            id-check: operational\n"
        "        body:\n"
        "            ko: 신분증 확인이 복구되었습니다.\n"
        "            en: ID checks work again.\n"
        "\n"
        "not_recovered:"))
    assert out.splitlines()[:2] == [f"added update 3 (monitoring, 2025-10-02T10:10:30+09:00) to content/{OPEN}",
                                    "  id-check: major_outage → operational"]
    model = next(i for i in check(tree.root).content.incidents if i.id == "2025-10-02-app-login")
    assert [(u.status, u.changes) for u in model.updates][-1] == ("monitoring", (("id-check", "operational"),))


def test_resolve_brings_back_what_is_still_down_and_lists_it(tree, incident: Path) -> None:
    code, out, err = post("resolve", "2025-10-02-app-login", "--content", str(tree.root),
                          "--now", "2025-10-02T11:00+09:00")
    assert code == 0, err
    added = inserted(OPEN_TEXT, incident.read_text(encoding="utf-8"))
    assert "        status: resolved\n        services:\n            id-check: operational\n" \
           "            gov-id: operational\n" in added
    assert "  its text is the standard one (give --body to write your own)" in out
    content = check(tree.root).content
    snap = snapshot(content, at("2025-10-02T11:00+09:00"))
    state = snap.incident("2025-10-02-app-login")
    assert not state.is_open and state.resolved_at == at("2025-10-02T11:00+09:00")
    assert all(s.status == "operational" for s in snap.services.values())


def test_resolve_can_leave_the_restored_services_to_the_resolved_status(tree, incident: Path) -> None:
    code, _, err = post("resolve", "2025-10-02-app-login", "--content", str(tree.root), "--no-services",
                        "--body", "해결되었습니다.", "--now", "2025-10-02T11:00+09:00")
    assert code == 0, err
    added = inserted(OPEN_TEXT, incident.read_text(encoding="utf-8"))
    assert "services" not in added and "ko: 해결되었습니다." in added
    snap = snapshot(check(tree.root).content, at("2025-10-02T11:00+09:00"))
    assert all(s.status == "operational" for s in snap.services.values())


def test_a_file_that_would_fail_check_is_left_as_it_was(tree, incident: Path) -> None:
    code, _, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "가" * 20_001,
                        "--now", "2025-10-02T10:00+09:00")
    assert code == 1
    assert incident.read_text(encoding="utf-8") == OPEN_TEXT
    assert f"content/{OPEN}:" in err and "20,001 characters" in err
    assert err.rstrip().endswith(f"1 problem in the content as it would be with the update (lines 28–32 of "
                                 f"content/{OPEN}); the incident file was left as it was")
    assert sorted(p.name for p in incident.parent.iterdir()) == ["2025-09-26-id-outage.yaml", incident.name]


def test_content_already_failing_says_so_rather_than_blaming_the_update(tree, incident: Path) -> None:
    tree.replace("incidents/2025-09-26-id-outage.yaml", "status: resolved", "status: resovled")
    code, _, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "확인 중",
                        "--now", "2025-10-02T10:00+09:00")
    assert code == 1 and "unknown status 'resovled'" in err
    assert err.splitlines()[-1] == ("1 problem in the content as it is (fix it, then post again); the incident file "
                                    "was left as it was")
    assert incident.read_text(encoding="utf-8") == OPEN_TEXT


def test_untrusted_text_stays_text(tree, incident: Path) -> None:
    texts = ["1:30", "- 목록처럼", "key: value # not a comment", "\"\nstatus: resolved", "no", "{ko: x}", "'", "~"]
    for number, text in enumerate(texts):
        code, _, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", f"x{text}",
                            "--body-en", text, "--now", f"2025-10-02T10:{number:02}+09:00")
        assert code == 0, err
    model = next(i for i in check(tree.root).content.incidents if i.id == "2025-10-02-app-login")
    written = [u.body.get("en", "ko") for u in model.updates[2:]]
    assert written == [text + "\n" if "\n" in text else text for text in texts]  # several lines: a | block
    assert [u.status for u in model.updates[2:]] == ["identified"] * len(texts)


@pytest.mark.parametrize("layout", ["crlf", "bom", "no final newline", "kept block"])
def test_the_files_own_line_endings_and_last_bytes_are_kept(tree, layout: str) -> None:
    text = OPEN_TEXT.split("\nnot_recovered:")[0] + "\n"
    if layout == "kept block":
        text = text.replace("""\
        body: {ko: '원인을 찾았습니다: 인증 서버', en: "Cause found: the sign-in server"}
        # the next update goes below this line
""", """\
        body:
            ko: |+
                원인을 찾았습니다.

""")
    raw = {"crlf": text.replace("\n", "\r\n").encode(), "bom": b"\xef\xbb\xbf" + text.encode(),
           "no final newline": text.rstrip("\n").encode(), "kept block": text.encode()}[layout]
    path = tree.root / OPEN
    path.write_bytes(raw)
    code, _, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "계속 확인 중입니다.",
                        "--now", "2025-10-02T10:00+09:00")
    assert code == 0, err
    after = path.read_bytes()
    block = inserted(raw.decode("utf-8-sig" if layout != "bom" else "utf-8"), after.decode("utf-8"))
    assert "status: identified" in block
    if layout == "crlf":
        assert "\n" not in block.replace("\r\n", "")
    if layout == "bom":
        assert after.startswith(b"\xef\xbb\xbf")
    model = next(i for i in check(tree.root).content.incidents if i.id == "2025-10-02-app-login")
    assert len(model.updates) == 3
    if layout == "kept block":
        assert model.updates[1].body.get("ko", "ko") == "원인을 찾았습니다.\n\n\n"


def test_update_keeps_the_current_status_and_promises_the_next(tree, incident: Path) -> None:
    code, out, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "확인 중",
                          "--next-update", "+1h30m", "--now", "2025-10-02T23:10+09:00")
    assert code == 0, err
    assert "  next update promised by 2025-10-03T00:40+09:00" in out
    code, out, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "확인 중",
                          "--next-update", "09:00", "--now", "2025-10-02T23:20+09:00")
    assert code == 0, err
    model = next(i for i in check(tree.root).content.incidents if i.id == "2025-10-02-app-login")
    assert [(u.status, u.next_update) for u in model.updates[2:]] == [
        ("identified", at("2025-10-03T00:40+09:00")), ("identified", at("2025-10-03T09:00+09:00"))]


def test_a_promise_from_now_is_a_whole_minute_never_before_it(tree, incident: Path) -> None:
    """Pages show a promise to the minute: `+1h` at 23:10:20 is 00:11, not 00:10:20 shown as 00:10."""
    code, out, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "확인 중",
                          "--next-update", "+1h", "--now", "2025-10-02T23:10:20+09:00")
    assert code == 0, err
    assert "  next update promised by 2025-10-03T00:11+09:00" in out
    assert "    next_update: 2025-10-03T00:11+09:00\n" in incident.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["update", "app-login", "--body", "x"],
     "error: no incident 'app-login' in content/incidents/; hint: did you mean '2025-10-02-app-login'?"),
    (["update", "2025-10-02-app-login", "--body", "x", "--service", "id-chek=operational"],
     "error: --service 'id-chek=operational': unknown service or upstream 'id-chek'; hint: did you mean 'id-check'?"),
    (["update", "2025-10-02-app-login", "--body", "x", "--service", "id-check=operatonal"],
     "error: --service 'id-check=operatonal': 'operatonal' is not a service status; hint: did you mean 'operational'?"),
    (["update", "2025-10-02-app-login", "--body", "x", "--service", "id-check"],
     "error: --service 'id-check' is not ID=STATUS"),
    (["update", "2025-10-02-app-login", "--body", "x", "--status", "monitorng"],
     "error: --status 'monitorng' is not an incident status; hint: did you mean 'monitoring'?"),
    (["update", "2025-10-02-app-login", "--body", "x", "--body-ja", "y"],
     "error: --body-ja: 'ja' is not one of the site's languages; hint: site.yaml lists ko, en, so use --body, "
     "--body-en"),
    (["update", "2025-10-02-app-login", "--body-en", "only English"],
     "error: give --body TEXT, the update in ko (the site's default language)"),
    (["update", "2025-10-02-app-login", "--body", "x", "--next-update", "2025-10-02T14:00"],
     "error: --next-update '2025-10-02T14:00' is not a time with a time zone; hint: write it as "
     "2025-10-02T14:00+09:00 (the site's time zone, Asia/Seoul)"),
    (["update", "2025-10-02-app-login", "--body", "x", "--next-update", "2025-10-02T09:00+09:00"],
     "error: --next-update '2025-10-02T09:00+09:00' is not after this update (2025-10-02T10:00+09:00)"),
    (["resolve", "2025-10-02-app-login", "--service", "id-check=partial_outage"],
     "error: --service 'id-check=partial_outage': a resolved incident brings every service back"),
    (["resolve", "2025-09-26-id-outage"], "error: 2025-09-26-id-outage is already resolved; hint: to reopen it"),
    (["update", "2025-09-26-id-outage", "--body", "x"], "error: 2025-09-26-id-outage is resolved, so an update needs"),
    (["update", "2025-10-02-app-login", "--body", "x", "--now", "2025-10-02T09:00+09:00"],
     "error: the incident's last update is dated 2025-10-02T09:05+09:00, after the time this one would be"),
])
def test_a_mistake_in_the_flags_is_named_and_nothing_is_written(tree, incident: Path, args: list[str],
                                                                message: str) -> None:
    now = [] if "--now" in args else ["--now", "2025-10-02T10:00+09:00"]
    code, _, err = post(*args, "--content", str(tree.root), *now)
    assert code == 1 and err.startswith(message), err
    assert incident.read_text(encoding="utf-8") == OPEN_TEXT


def test_every_mistake_in_the_flags_is_named_in_one_run(tree, incident: Path) -> None:
    """An operator who typed a long command under pressure fixes all of it at once, not one per run."""
    code, out, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--now", "2025-10-02T10:00+09:00",
                          "--status", "monitorng", "--service", "id=operational", "--service", "transfer=up",
                          "--next-update", "25:00", "--body-ja", "y")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "error: --status 'monitorng' is not an incident status; hint: did you mean 'monitoring'?",
        "error: --service 'id=operational': unknown service or upstream 'id'; hint: did you mean 'id-check'? "
        "(ids come from services.yaml)",
        "error: --service 'transfer=up': 'up' is not a service status; hint: expected one of: operational, "
        "under_maintenance, degraded_performance, partial_outage, major_outage",
        "error: --next-update '25:00' is not a valid date and time; hint: write it like 2025-09-26T20:15+09:00; check "
        "the day and the hour (or a time from now, +2h or +30m, or a time of day, 14:00)",
        "error: --body-ja: 'ja' is not one of the site's languages; hint: site.yaml lists ko, en, so use --body, "
        "--body-en",
    ]
    assert incident.read_text(encoding="utf-8") == OPEN_TEXT


def test_an_id_typed_short_is_completed_in_the_hint(tree, incident: Path) -> None:
    code, _, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--now", "2025-10-02T10:00+09:00",
                        "--body", "x", "--service", "id=operational")
    assert code == 1
    assert err == ("error: --service 'id=operational': unknown service or upstream 'id'; hint: did you mean "
                   "'id-check'? (ids come from services.yaml)\n")


def test_reopening_a_resolved_incident_says_so(tree) -> None:
    code, out, err = post("update", "2025-09-26-id-outage", "--content", str(tree.root), "--status", "investigating",
                          "--service", "id-check=major_outage", "--body", "다시 중단되었습니다.",
                          "--now", "2025-09-30T09:00+09:00")
    assert code == 0, err
    assert "  this reopens the incident: it shows as open again from this update" in out
    assert snapshot(check(tree.root).content, at("2025-09-30T09:00+09:00")).services["id-check"].status == "major_outage"


def test_a_file_saved_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "notice.yaml"
    path.write_bytes(b"saved by an editor\n")
    with pytest.raises(NoticeboardError, match="changed while the update was being prepared"):
        replace_file(path, b"as read\n", b"as read\nplus the update\n")
    assert path.read_bytes() == b"saved by an editor\n"
    assert [p.name for p in tmp_path.iterdir()] == ["notice.yaml"]


ENTRY = {"at": Moment("2025-10-02T10:00+09:00"), "status": "monitoring", "body": {"ko": "복구 중"}}


@pytest.mark.parametrize("name, before, expected", [
    ("a list at its key's indentation", "updates:\n- at: A\n  status: x\nnext: 1\n",
     "updates:\n- at: A\n  status: x\n- at: 2025-10-02T10:00+09:00\n  status: monitoring\n  body:\n    ko: 복구 중\nnext: 1\n"),
    ("a last entry in flow style, then a comment of the next key's", "updates:\n  - {at: A, status: x}  # one line\n# about next\nnext: 1\n",
     "updates:\n  - {at: A, status: x}  # one line\n  - at: 2025-10-02T10:00+09:00\n    status: monitoring\n    body:\n"
     "      ko: 복구 중\n# about next\nnext: 1\n"),
    ("a comment under the last entry, at the end of the file", "updates:\n  - at: A\n    body: |\n      x\n    # mine\n",
     "updates:\n  - at: A\n    body: |\n      x\n    # mine\n  - at: 2025-10-02T10:00+09:00\n    status: monitoring\n"
     "    body:\n      ko: 복구 중\n"),
])
def test_the_entry_goes_where_the_list_ends_in_its_style(name: str, before: str, expected: str) -> None:
    assert append_update(before, ENTRY) == expected, name


def test_updates_written_in_flow_style_are_refused_with_a_hint() -> None:
    with pytest.raises(NoticeboardError, match="not written as a list of entries starting with '- '"):
        append_update("updates: [{at: A}]\n", ENTRY)


@settings(max_examples=300, deadline=None)
@given(body=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(
    lambda text: text.strip() and not has_invisible(text)))
def test_any_text_is_written_so_it_reads_back_as_itself(body: str) -> None:
    after = append_update(OPEN_TEXT, {**ENTRY, "body": {"ko": body}})
    data = parse_yaml(after, Path("x.yaml"), "x.yaml").data
    assert data["updates"][-1]["body"]["ko"] == (body if "\n" not in body.strip("\n") else
                                                 body if body.endswith("\n") else body + "\n")


def test_a_notice_that_is_a_link_stays_a_link(tree, incident: Path) -> None:
    real = tree.root / "incidents" / "drafts" / "app-login.yaml"
    real.parent.mkdir()
    incident.rename(real)
    incident.symlink_to(Path("drafts") / "app-login.yaml")
    code, _, err = post("update", "2025-10-02-app-login", "--content", str(tree.root), "--body", "확인 중",
                        "--now", "2025-10-02T10:00+09:00")
    assert code == 0, err
    assert incident.is_symlink() and "확인 중" in real.read_text(encoding="utf-8")


def test_update_and_resolve_explain_themselves() -> None:
    for name in ("update", "resolve"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
            main([name, "--help"])
        assert "--body-LANG TEXT gives the text in another of the site's languages" in out.getvalue()
