"""`noticeboard new`: a notice named so its URL says something, never a second public notice for
the same outage by accident, and a place for what customers can use instead."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from generator.cli import main
from generator.content.check import check

NOW = "2025-10-02T08:30+09:00"


def new(tree, *args: str, now: str = NOW) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["new", *args, "--content", str(tree.root), "--now", now])
    return code, out.getvalue(), err.getvalue()


def notices(tree, folder: str = "incidents") -> list[str]:
    return sorted(p.name for p in (tree.root / folder).glob("*.yaml"))


def test_a_korean_title_is_named_after_its_services(tree) -> None:
    code, out, err = new(tree, "incident", "이체·신분증 확인 지연", "--service", "transfer", "--service", "id-check")
    assert code == 0, err
    assert "2025-10-02-transfer-id-check.yaml" in notices(tree)


def test_a_korean_title_without_services_asks_for_an_id(tree) -> None:
    code, _, err = new(tree, "incident", "앱 로그인 장애")
    assert code == 1
    assert err == ("error: the title '앱 로그인 장애' has no letters a-z or digits to name the file by; hint: give "
                   "--id SLUG (e.g. --id app-login), or --service ID to name it after the affected service\n")
    assert notices(tree) == ["2025-09-26-id-outage.yaml"]


def test_an_english_title_still_names_the_file(tree) -> None:
    assert new(tree, "incident", "Transfers delayed", "--service", "transfer")[0] == 0
    assert "2025-10-02-transfers-delayed.yaml" in notices(tree)


def test_a_second_notice_for_the_same_services_that_day_is_refused_with_the_first(tree) -> None:
    assert new(tree, "incident", "이체 지연", "--service", "transfer")[0] == 0
    code, _, err = new(tree, "incident", "이체 안 됨", "--service", "transfer", now="2025-10-02T09:10+09:00")
    assert code == 1
    assert err == ("error: content/incidents/2025-10-02-transfer.yaml is already about transfer that day, so a new "
                   "incident would tell customers of it twice; hint: post to it with `noticeboard update "
                   "2025-10-02-transfer --body …`, or give --separate if this is another incident\n")
    assert new(tree, "incident", "이체 안 됨", "--service", "transfer", "--separate",
               now="2025-10-02T09:10+09:00")[0] == 0
    assert notices(tree) == ["2025-09-26-id-outage.yaml", "2025-10-02-transfer-2.yaml", "2025-10-02-transfer.yaml"]


def test_the_same_name_that_day_is_refused_and_another_day_is_not(tree) -> None:
    assert new(tree, "incident", "Transfers delayed", "--service", "transfer")[0] == 0
    code, _, err = new(tree, "incident", "Transfers delayed", "--service", "id-check")
    assert code == 1 and err.startswith("error: content/incidents/2025-10-02-transfers-delayed.yaml already has that "
                                        "name; hint: post to it with `noticeboard update 2025-10-02-transfers-delayed")
    assert new(tree, "incident", "Transfers delayed", "--service", "id-check", "--id", "transfers-delayed-id")[0] == 0
    assert new(tree, "incident", "Transfers delayed", "--service", "transfer", now="2025-10-03T08:30+09:00")[0] == 0
    assert notices(tree)[1:] == ["2025-10-02-transfers-delayed-id.yaml", "2025-10-02-transfers-delayed.yaml",
                                 "2025-10-03-transfers-delayed.yaml"]


def test_a_maintenance_window_for_the_same_services_that_day_is_refused(tree) -> None:
    window = ("maintenance", "이체 점검", "--service", "transfer", "--starts", "2025-10-12T00:00+09:00")
    assert new(tree, *window)[0] == 0
    code, _, err = new(tree, *window[:-1], "2025-10-12T03:00+09:00")
    assert code == 1 and "content/maintenance/2025-10-12-transfer.yaml is already about transfer that day" in err
    assert "hint: edit 2025-10-12-transfer.yaml, or give --separate" in err


def test_each_affected_service_gets_an_alternative_to_fill_in(tree) -> None:
    assert new(tree, "incident", "Transfers and ID checks down", "--service", "transfer", "--service", "id-check")[0] == 0
    path = tree.root / "incidents" / "2025-10-02-transfers-and-id-checks-down.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("    # alternatives:") == 2
    assert check(tree.root).content  # as written, it passes
    path.write_text(text.replace("    # ", "    ", 3), encoding="utf-8")  # the first service's three lines
    assert check_problems(tree.root) == ["text is empty or invisible"] * 2  # ko and en, until written
    path.write_text(text.replace("    # ", "    ", 3).replace('ko: "", en: ""', "ko: 영업점 이용, en: Visit a branch", 1),
                    encoding="utf-8")
    incident = next(i for i in check(tree.root).content.incidents if i.id.endswith("id-checks-down"))
    assert [(a.target, [x.channels for x in a.alternatives]) for a in incident.affected] == [
        ("transfer", [("branch",)]), ("id-check", [])]


def check_problems(root: Path) -> list[str]:
    from generator.errors import ContentError

    try:
        check(root)
    except ContentError as exc:
        return [p.message for p in exc.problems if p.severity == "error"]
    return []


def test_each_unknown_service_is_named_as_the_flag_typed(tree) -> None:
    code, _, err = new(tree, "incident", "Transfers delayed", "--service", "transfers", "--service", "id-chek")
    assert code == 1
    assert err == ("error: --service 'transfers' is not a service in services.yaml; hint: did you mean 'transfer'?\n"
                   "error: --service 'id-chek' is not a service in services.yaml; hint: did you mean 'id-check'?\n")
    assert notices(tree) == ["2025-09-26-id-outage.yaml"]


def test_a_window_that_ends_before_it_starts_is_not_written(tree) -> None:
    code, _, err = new(tree, "maintenance", "이체 점검", "--service", "transfer", "--starts", "2025-10-12T23:00+09:00",
                       "--ends", "2025-10-12T01:00+09:00")
    assert code == 1
    assert err == ("error: --ends 2025-10-12T01:00+09:00 is not after --starts 2025-10-12T23:00+09:00; hint: a window "
                   "ends after it starts (across midnight, the end has the next day)\n")
    assert not (tree.root / "maintenance").exists() or notices(tree, "maintenance") == []
