"""The command line as an operator uses it: exit codes, messages, no tracebacks, scaffolding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from generator.content.check import check


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_check_passes_on_good_content(tree) -> None:
    result = run("check", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    assert "ok: 1 incident, 0 maintenance windows, 3 services" in result.stdout


def test_check_reports_problems_with_location_and_no_traceback(tree) -> None:
    tree.replace("incidents/2025-09-26-id-outage.yaml", "status: resolved", "status: resovled")
    result = run("check", cwd=tree.root.parent)
    assert result.returncode == 1
    assert "content/incidents/2025-09-26-id-outage.yaml:21:13: error: unknown status 'resovled'" in result.stderr
    assert "hint: did you mean 'resolved'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_writes_the_site_and_says_where(tree) -> None:
    result = run("build", "--now", "2025-09-27T10:00+09:00", "-o", "site", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    assert (tree.root.parent / "site" / "index.html").is_file()
    assert "site/" in result.stdout and "2 of 3 services not operational" in result.stdout


def test_now_without_zone_is_a_clear_error(tree) -> None:
    result = run("build", "--now", "2025-09-27T10:00", cwd=tree.root.parent)
    assert result.returncode == 1
    assert "time zone" in result.stderr and "Traceback" not in result.stderr


def test_missing_content_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "content folder not found" in result.stderr and "--content" in result.stderr


def test_help_for_every_command() -> None:
    for command in ("build", "check", "new"):
        result = run(command, "--help", cwd=ROOT)
        assert result.returncode == 0 and "usage: noticeboard" in result.stdout


def test_new_incident_is_dated_in_site_time_and_passes_check(tree) -> None:
    result = run("new", "incident", "Internet banking slow", "--service", "transfer",
                 "--now", "2025-10-01T23:30+00:00", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    path = tree.root / "incidents" / "2025-10-02-internet-banking-slow.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    schema = (path.parent / text.splitlines()[0].split("=", 1)[1]).resolve()
    assert json.loads(schema.read_text(encoding="utf-8"))["$schema"].startswith("http://json-schema.org/draft-07")
    assert "started: 2025-10-02T08:30:00+09:00" in text
    assert any(i.id == "2025-10-02-internet-banking-slow" for i in check(tree.root).content.incidents)


def test_new_incident_without_service_fails_check_until_one_is_chosen(tree) -> None:
    made = run("new", "incident", "장애", "--id", "outage", "--now", "2025-10-02T08:30+09:00", cwd=tree.root.parent)
    assert made.returncode == 0, made.stderr
    result = run("check", cwd=tree.root.parent)
    assert result.returncode == 1
    assert "unknown service 'choose-a-service'" in result.stderr
    assert "2025-10-02-outage.yaml" in result.stderr


def test_new_maintenance(tree) -> None:
    result = run("new", "maintenance", "Transfer upgrade", "--service", "transfer",
                 "--starts", "2025-10-12T00:00+09:00", "--ends", "2025-10-12T06:00+09:00", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    windows = check(tree.root).content.maintenance
    assert [(m.id, m.services) for m in windows] == [("2025-10-12-transfer-upgrade", ("transfer",))]


def test_module_and_console_script_agree() -> None:
    script = Path(sys.executable).parent / "noticeboard"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("noticeboard ")


def test_new_with_an_id_that_leaves_the_folder_is_refused_without_a_traceback(tree) -> None:
    before = sorted(p for p in tree.root.parent.rglob("*") if ".noticeboard-cache" not in p.parts)
    result = run("new", "incident", "장애", "--service", "transfer", "--id", "../../evil", cwd=tree.root.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "error: --id '../../evil' cannot be used" in result.stderr and "hint: use lowercase letters" in result.stderr
    assert sorted(p for p in tree.root.parent.rglob("*") if ".noticeboard-cache" not in p.parts) == before


@pytest.mark.parametrize("ident", ["nirs-fire", "Evil ID", "../../evil", "a" * 53, "a" * 54, "con", "-lead", "trail-",
                                   "a\nb", "화재", "a--b", "nul"])
def test_new_accepts_an_id_exactly_when_check_accepts_the_file_it_names(tree, ident: str) -> None:
    """One rule: `new --id 'Evil ID'` wrote a file that `check` (and so every later `new`) refused."""
    now = "2025-10-02T08:30+09:00"
    made = run("new", "incident", "장애", "--service", "transfer", f"--id={ident}", "--now", now, cwd=tree.root.parent)
    assert made.returncode in (0, 1) and "Traceback" not in made.stderr, made.stderr
    if made.returncode == 0:
        assert run("check", cwd=tree.root.parent).returncode == 0
        assert run("new", "incident", "다음", "--service", "transfer", cwd=tree.root.parent).returncode == 0
        return
    assert list((tree.root / "incidents").glob("2025-10-02-*")) == []
    if "/" not in ident:
        (tree.root / "incidents" / f"2025-10-02-{ident}.yaml").write_text(
            (tree.root / "incidents" / "2025-09-26-id-outage.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        assert "cannot be used as an id" in run("check", cwd=tree.root.parent).stderr


@pytest.mark.parametrize("name", ["2025-09-27-outage.YAML", "2025-09-27-outage.Yml", "2025-09-27-outage.yAmL"])
def test_a_notice_with_an_upper_case_extension_is_an_error_not_ignored(tree, name: str) -> None:
    (tree.root / "incidents" / name).write_text(
        (tree.root / "incidents" / "2025-09-26-id-outage.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("build", "--now", "2025-09-27T10:00+09:00", cwd=tree.root.parent)
    assert result.returncode == 1
    assert f"content/incidents/{name}: error: '{name}' is not read: notice files end in lowercase .yaml or .yml\n" \
           f"    hint: rename it to 2025-09-27-outage.yaml" in result.stderr, result.stderr


def test_other_files_beside_the_notices_are_reported_and_the_site_still_builds(tree) -> None:
    """Notepad saves `notice.yaml` as `notice.yaml.txt`: the operator must hear that it was not published."""
    for name in ("2025-09-27-outage.yaml.txt", "README.md"):
        (tree.root / "incidents" / name).write_text("title: x\n", encoding="utf-8")
    (tree.root / "incidents" / "archive").mkdir()
    (tree.root / "incidents" / ".2025-09-27-outage.yaml.swp").write_text("", encoding="utf-8")
    result = run("build", "--now", "2025-09-27T10:00+09:00", cwd=tree.root.parent)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "is not a notice" in line]
    assert warnings == [
        "content/incidents/2025-09-27-outage.yaml.txt: warning: '2025-09-27-outage.yaml.txt' is not a notice and is "
        "not published: only .yaml and .yml files are read",
        "content/incidents/README.md: warning: 'README.md' is not a notice and is not published: only .yaml and .yml "
        "files are read"], result.stderr
