"""Every bad input the operator can make is reported with file:line:column and a hint — all at once."""

from __future__ import annotations

import pytest

from generator.content.check import check
from generator.content.validate import MAX_EXPLAINED
from generator.errors import REPORT_PER_FILE, REPORT_TOTAL, UNEXPLAINED, ContentError, Location, Problem

INC = "incidents/2025-09-26-id-outage.yaml"


def problems(tree) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    return [p.format() for p in caught.value.problems]


def only(tree) -> str:
    found = problems(tree)
    assert len(found) == 1, found
    return found[0]


def test_fixture_and_demo_are_valid(tree, demo) -> None:
    assert check(tree.root).content.incidents
    assert len(check(demo).content.incidents) >= 3


def test_unknown_key_suggests_the_right_one(tree) -> None:
    tree.replace(INC, "title:", "titel:")
    found = problems(tree)
    assert "content/incidents/2025-09-26-id-outage.yaml:1:1: error: unknown key 'titel'\n    hint: did you mean 'title'?" in found
    assert any("missing key 'title'" in p for p in found)


def test_unknown_status_suggests_the_right_one(tree) -> None:
    tree.replace(INC, "status: resolved", "status: resovled")
    message = only(tree)
    assert message.startswith("content/incidents/2025-09-26-id-outage.yaml:21:13: error: unknown status 'resovled'")
    assert "did you mean 'resolved'?" in message


def test_unknown_component_status_in_update_map(tree) -> None:
    tree.replace(INC, "{id-check: operational}", "{id-check: operatonal}")
    assert "did you mean 'operational'?" in only(tree)


def test_service_not_in_catalog(tree) -> None:
    tree.replace(INC, "service: id-check", "service: id-chek")
    message = only(tree)
    assert message.startswith("content/incidents/2025-09-26-id-outage.yaml:8:14: error: unknown service 'id-chek'")
    assert "did you mean 'id-check'?" in message


def test_upstream_used_as_service_is_refused(tree) -> None:
    tree.replace(INC, "service: id-check", "service: gov-id")
    found = "\n".join(problems(tree))
    assert "unknown service 'gov-id'\n    hint: 'gov-id' is an upstream system: write 'upstream: gov-id' instead" in found


def test_update_before_incident_started(tree) -> None:
    tree.replace(INC, "at: 2025-09-26T21:30+09:00", "at: 2025-09-25T21:30+09:00")
    message = only(tree)
    assert ":13:9: error: update is dated before the incident started" in message
    assert "2025-09-26T20:15+09:00" in message


def test_updates_out_of_order(tree) -> None:
    tree.replace(INC, "at: 2025-09-29T09:00+09:00", "at: 2025-09-28T09:00+09:00")
    assert "updates are out of order" in only(tree)


def test_time_without_time_zone(tree) -> None:
    tree.replace(INC, "started: 2025-09-26T20:15+09:00", "started: 2025-09-26T20:15")
    message = only(tree)
    assert message.startswith("content/incidents/2025-09-26-id-outage.yaml:4:10: error: '2025-09-26T20:15' is not a time with a time zone")
    assert "+09:00" in message


def test_impossible_date(tree) -> None:
    tree.replace(INC, "started: 2025-09-26T20:15+09:00", "started: 2025-02-30T20:15+09:00")
    assert "is not a valid date and time" in only(tree)


def test_missing_default_language_text(tree) -> None:
    tree.replace(INC, "title: {ko: 신분증 진위확인 중단, en: ID check unavailable}", "title: {en: ID check unavailable}")
    message = only(tree)
    assert message.startswith("content/incidents/2025-09-26-id-outage.yaml:1:8: error: missing the default-language (ko) text")


def test_language_not_configured(tree) -> None:
    tree.replace(INC, "en: ID check unavailable}", "jp: ID check unavailable}")
    warning, error = problems(tree)  # in file order: the text, then its key
    assert "error: language 'jp' is not in the site's languages" in error
    assert "warning: title has no 'en' text" in warning


def test_duplicate_id(tree) -> None:
    tree.replace("services.yaml", "- id: transfer", "- id: id-check")
    message = only(tree)
    assert message.startswith("content/services.yaml:18:13: error: duplicate id 'id-check'")
    assert "line 8" in message


def test_unknown_dependency(tree) -> None:
    tree.replace("services.yaml", "depends_on: [gov-id]", "depends_on: [gov-idd]")
    assert "unknown id 'gov-idd'" in only(tree)


def test_dependency_cycle_is_a_warning(tree) -> None:
    tree.replace("services.yaml", "depends_on: [gov-id]", "depends_on: [gov-id, remote-account]")
    result = check(tree.root)
    assert [w.message for w in result.warnings] == ["depends_on forms a cycle: id-check → remote-account → id-check"]


def test_cp949_file(tree) -> None:
    path = tree.root / INC
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp949"))
    message = only(tree)
    assert message.startswith("content/incidents/2025-09-26-id-outage.yaml:1:")
    assert "CP949" in message and "Save with Encoding" in message


def test_yaml_syntax_error(tree) -> None:
    tree.replace(INC, "impact: major", "impact: [major")
    assert "error: YAML syntax error" in only(tree)


def test_wrong_type_is_explained(tree) -> None:
    tree.replace(INC, "affected:\n", "affected: oops\nx:\n")
    found = problems(tree)
    assert any("affected should be a list (- item), not a text" in p for p in found)


def test_affected_entry_needs_service_or_upstream(tree) -> None:
    tree.replace(INC, "  - upstream: gov-id\n    status: major_outage\n", "  - status: major_outage\n")
    assert "needs one of: service, upstream" in only(tree)


def test_file_name_must_be_a_safe_id(tree) -> None:
    tree.write("incidents/Bad Name.yaml", (tree.root / INC).read_text(encoding="utf-8"))
    assert "cannot be used as an id" in only(tree)


def test_every_problem_in_every_file_at_once(tree) -> None:
    tree.replace(INC, "title:", "titel:")
    tree.replace(INC, "status: resolved", "status: resovled")
    tree.replace("site.yaml", "timezone: Asia/Seoul", "timezone: Asia/Seol")
    tree.write("maintenance/2025-10-01-x.yaml", """\
        title: 점검
        starts: 2025-10-01T02:00+09:00
        ends: 2025-10-01T01:00+09:00
        services: [transferr]
        """)
    found = "\n".join(problems(tree))
    for expected in ("unknown key 'titel'", "unknown status 'resovled'", "unknown time zone 'Asia/Seol'",
                     "maintenance ends before it starts", "unknown service 'transferr'"):
        assert expected in found


BROKEN = ("titel: {ko: 제목}\nimpact: huge\nstarted: 2025-09-26T20:15\naffected:\n  - service: no-such-service\n"
          "    status: brokn\nupdates:\n  - at: 2025-09-26T21:00+09:00\n    status: identified\n")


def _broken_notices(tree, count: int) -> None:
    for number in range(count):
        tree.write(f"incidents/2025-01-01-broken-{number:04d}.yaml", BROKEN)


def test_a_long_report_shows_the_first_problems_and_counts_the_rest(tree) -> None:
    """100,000 broken notices printed 1.2 million lines: the first 10 problems of a file and 200
    in all are shown, with site.yaml's first (every page reads it), then how many are left out."""
    _broken_notices(tree, 60)
    tree.replace("site.yaml", "timezone: Asia/Seoul", "timezone: Asia/Seul")
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    lines = caught.value.report().splitlines()
    problems = [line for line in lines if ": error: " in line]
    assert len(problems) == REPORT_TOTAL and problems[0].startswith("content/site.yaml:3:11: error: unknown time zone")
    assert "content/incidents/2025-01-01-broken-0033.yaml: 5 more problems in this file, not shown" in lines
    assert lines[-1] == "… and 156 more problems in 26 more files, not shown; fix those above and run check again"
    assert str(caught.value) == "361 problems in the content; nothing was written"


def test_a_file_with_many_problems_shows_its_first_ten(tree) -> None:
    tree.write("incidents/2025-01-02-many.yaml", "".join(f"key{i}: {i}\n" for i in range(15)) + BROKEN)
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    report = caught.value.report().splitlines()
    mine = [line for line in report if line.startswith("content/incidents/2025-01-02-many.yaml:")]
    assert len(mine) == REPORT_PER_FILE + 1, report
    assert mine[-1] == "content/incidents/2025-01-02-many.yaml: 11 more problems in this file, not shown"


def test_past_the_first_thousand_problems_broken_files_are_named_not_explained(tree) -> None:
    """Explaining a file's problems took 2 ms a file (58 s for 100,000); past the first 1,000
    problems each further file that breaks its schema is only named."""
    _broken_notices(tree, 200)
    with pytest.raises(ContentError) as caught:
        check(tree.root, use_cache=False)
    unexplained = [p for p in caught.value.problems if p.message == UNEXPLAINED]
    explained = [p for p in caught.value.problems if p.message != UNEXPLAINED]
    assert MAX_EXPLAINED <= len(explained) < MAX_EXPLAINED + 10 and len(unexplained) == 200 - len(explained) // 6
    assert all((p.location.line, p.location.column) == (1, 1) for p in unexplained)
    assert str(caught.value).endswith(f"and more in {len(unexplained)} files not explained; nothing was written")
    assert caught.value.report().splitlines()[-1].startswith("… and more problems in ")


def test_a_files_errors_are_shown_before_its_warnings() -> None:
    """A warning on each of a notice's updates (a body without English) came first by line and
    pushed the errors that stop the build out of the report."""
    where = "content/incidents/2025-01-02-many.yaml"
    warnings = [Problem(Location(where, line, 11), "body has no 'en' text", severity="warning") for line in range(1, 13)]
    errors = [Problem(Location(where, line, 16), "too deep") for line in range(13, 16)]
    report = ContentError(warnings + errors).report().splitlines()
    assert [line for line in report if ": error: " in line] == [f"{where}:{line}:16: error: too deep" for line in (13, 14, 15)]
    assert len([line for line in report if ": warning: " in line]) == REPORT_PER_FILE - 3
    assert report[-1] == f"{where}: 5 more problems in this file, not shown"


def test_availability_days_out_of_range_or_misspelt_is_refused(tree) -> None:
    site = tree.root / "site.yaml"
    tree.write("site.yaml", site.read_text(encoding="utf-8") + "availability:\n  days: 3\n  dayz: 90\n")
    line = site.read_text(encoding="utf-8").count("\n") - 1
    found = problems(tree)
    assert any(p.startswith(f"content/site.yaml:{line}:") and "3" in p for p in found), found
    assert any(p.startswith(f"content/site.yaml:{line + 1}:") and "unknown key 'dayz'" in p for p in found), found
