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


def test_a_structural_error_does_not_hide_the_reference_errors_of_its_file(tree) -> None:
    """A bad status or impact used to keep the whole file out of the checks across files, so its
    unknown service ids surfaced only after the first fix: two rounds in a crisis instead of one."""
    tree.replace(INC, "impact: major", "impact: huge")
    tree.replace(INC, "status: resolved", "status: resovled")
    tree.replace(INC, "service: id-check", "service: id-chek")
    tree.replace(INC, "cause: {upstream: gov-id}", "cause: {upstream: gov-idd}")
    tree.replace(INC, "services: {id-check: operational}", "services: {transferr: operational}")
    found = problems(tree)
    located = [p.split("\n")[0] for p in found]
    assert located == [
        f"content/{INC}:2:9: error: unknown impact 'huge'",
        f"content/{INC}:3:19: error: unknown upstream system 'gov-idd'",
        f"content/{INC}:8:14: error: unknown service 'id-chek'",
        f"content/{INC}:19:27: error: unknown service or upstream 'transferr'",
        f"content/{INC}:21:13: error: unknown status 'resovled'",
    ], found
    assert "did you mean 'id-check'?" in found[2] and "did you mean 'transfer'?" in found[3]


def test_a_value_the_schema_refuses_is_reported_once(tree) -> None:
    """Both checks look at a refused time or an unknown language key; the schema's problem, which
    says what is wrong there, is the one shown."""
    tree.replace(INC, "started: 2025-09-26T20:15+09:00", "started: 2025-09-26T20:15 KST")
    tree.replace(INC, "en: ID check unavailable}", "EN: ID check unavailable}")
    tree.replace(INC, "service: id-check", "service: id-chek")
    located = [p.split("\n")[0] for p in problems(tree)]
    assert located == [
        f"content/{INC}:1:26: error: 'EN' is not a language code",
        f"content/{INC}:4:10: error: '2025-09-26T20:15 KST' is not in the accepted form",
        f"content/{INC}:8:14: error: unknown service 'id-chek'",
    ]


def test_maintenance_with_a_bad_time_still_has_its_services_checked(tree) -> None:
    tree.write("maintenance/2025-10-01-x.yaml", """\
        title: 점검
        starts: 2025-10-01 02:00 +0900
        ends: 2025-10-01T04:00+09:00
        services: [transferr]
        """)
    found = "\n".join(problems(tree))
    assert "'2025-10-01 02:00 +0900' is not in the accepted form\n    hint: write it as 2025-10-01T02:00+09:00" in found
    assert "unknown service 'transferr'" in found


def test_a_broken_catalog_does_not_make_every_notice_name_strangers(tree) -> None:
    """With `groups:` misspelt no service can be told, so a notice naming one is not reported as
    naming an unknown id: the one problem to fix is services.yaml's."""
    tree.replace("services.yaml", "groups:", "grups:")
    found = problems(tree)
    assert not any("unknown service" in p for p in found), found
    assert any("services.yaml" in p and "unknown key 'grups'" in p for p in found)


def test_a_time_zone_written_as_a_name_gets_the_accepted_form(tree) -> None:
    tree.replace(INC, "at: 2025-09-26T21:30+09:00", "at: 2025-09-26T21:30+0900")
    message = only(tree)
    assert message == (f"content/{INC}:13:9: error: '2025-09-26T21:30+0900' is not in the accepted form\n"
                       "    hint: write it as 2025-09-26T21:30+09:00 (an offset is written with a colon, like +09:00)")


def test_a_time_without_a_zone_gets_the_sites_offset(tree) -> None:
    tree.replace(INC, "at: 2025-09-26T21:30+09:00", "at: 2025-09-26T21:30")
    assert only(tree).endswith("hint: write it as 2025-09-26T21:30+09:00 (the site's time zone, Asia/Seoul)")


def test_a_bad_language_code_in_site_yaml_is_one_problem_not_one_per_text(tree) -> None:
    tree.replace("site.yaml", "languages: [ko, en]", "languages: [KO, en]")
    found = problems(tree)
    assert len(found) == 1 and found[0].startswith("content/site.yaml:"), found


def test_deploy_and_channel_names_are_ids_not_texts_to_translate(tree) -> None:
    """`name` holds a text in most places, but a deploy target's or a channel's is an id: asking
    for its English version was noise in every check."""
    site = (tree.root / "site.yaml").read_text(encoding="utf-8")
    tree.write("site.yaml", site + "deploy:\n  - {name: web1, type: folder, path: srv/www}\n"
               "notify:\n  channels:\n    - {name: ops-mail, url: \"json://hooks.example.com/status\"}\n")
    assert [w.format() for w in check(tree.root).warnings if "site.yaml" in w.location.file] == []


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
    assert "content/incidents/2025-01-01-broken-0028.yaml: 4 more problems in this file, not shown" in lines
    assert lines[-1] == "… and 217 more problems in 31 more files, not shown; fix those above and run check again"
    assert str(caught.value) == "421 problems in the content"  # 7 a file: 6 of its structure, its unknown service


def test_a_file_with_many_problems_shows_its_first_ten(tree) -> None:
    tree.write("incidents/2025-01-02-many.yaml", "".join(f"key{i}: {i}\n" for i in range(15)) + BROKEN)
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    report = caught.value.report().splitlines()
    mine = [line for line in report if line.startswith("content/incidents/2025-01-02-many.yaml:")]
    assert len(mine) == REPORT_PER_FILE + 1, report
    assert mine[-1] == "content/incidents/2025-01-02-many.yaml: 12 more problems in this file, not shown"


def test_past_the_first_thousand_problems_broken_files_are_named_not_explained(tree) -> None:
    """Explaining a file's problems took 2 ms a file (58 s for 100,000); past the first 1,000
    problems each further file that breaks its schema is only named."""
    _broken_notices(tree, 200)
    with pytest.raises(ContentError) as caught:
        check(tree.root, use_cache=False)
    unexplained = [p for p in caught.value.problems if p.message == UNEXPLAINED]
    explained = [p for p in caught.value.problems if p.message != UNEXPLAINED]
    schema = [p for p in explained if p.message != "unknown service 'no-such-service'"]  # 6 a file, and that one
    assert MAX_EXPLAINED <= len(schema) < MAX_EXPLAINED + 10 and len(unexplained) == 200 - len(schema) // 6
    assert len(explained) == len(schema) // 6 * 7
    assert all((p.location.line, p.location.column) == (1, 1) for p in unexplained)
    assert str(caught.value).endswith(f"and more in {len(unexplained)} files not explained")
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
