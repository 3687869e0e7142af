"""`noticeboard init` starts a bank's own site that checks, builds and validates in an editor
outside this repository; `noticeboard schemas` refreshes what the editor validates with."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml
from cli_run import run_cli
from conftest import DEMO, ROOT

from generator import __version__

NOW = "2025-11-05T10:00+09:00"  # a Wednesday
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
KINDS = {"site.yaml": "site", "services.yaml": "services", "incidents": "incident", "maintenance": "maintenance"}


def init(folder: Path, *extra: str) -> Path:
    result = run_cli("init", folder, "--now", NOW, *extra, cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_writes_a_site_that_passes_strict_check_and_builds(tmp_path: Path) -> None:
    site = init(tmp_path / "my-status")
    assert run_cli("check", "--strict", "--now", NOW, cwd=site).returncode == 0
    assert run_cli("build", "--strict", "--now", NOW, cwd=site).returncode == 0
    home = (site / "public" / "index.html").read_text(encoding="utf-8")
    assert "[예시] 인터넷뱅킹·모바일 앱 정기 점검" in home, "the example window is still ahead"
    assert "[예시] 메신저 플랫폼 장애로 메신저 송금·알림·상담 중단" in home, "the example incident is a recent one"
    assert "모든 서비스가 정상입니다" in home, "and it is resolved"
    windows = list((site / "content" / "maintenance").glob("*.yaml"))
    assert [w.name for w in windows] == ["2025-11-09-example-banking-maintenance.yaml"]  # the Sunday after


def test_init_is_the_same_for_the_same_moment(tmp_path: Path) -> None:
    assert digest(init(tmp_path / "a")) == digest(init(tmp_path / "b"))


def test_init_refuses_a_folder_that_is_not_empty_and_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "my-notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("init", folder, "--now", NOW, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not empty (it holds my-notes.txt)" in result.stderr and "hint:" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["my-notes.txt"]
    assert (folder / "my-notes.txt").read_text(encoding="utf-8") == "mine"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert run_cli("init", tmp_path / "file", cwd=tmp_path).returncode == 1


def test_init_into_a_fresh_repository_and_into_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    result = run_cli("init", "--now", NOW, cwd=tmp_path / "repo")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "repo" / "content" / "site.yaml").is_file() and "next: noticeboard serve" in result.stdout


def test_every_schema_line_resolves_to_the_schema_of_its_kind(tmp_path: Path) -> None:
    """In a new site, in a notice `new` adds to it, and in this repository's demo content."""
    site = init(tmp_path / "my-status")
    result = run_cli("new", "incident", "접속 지연", "--service", "mobile-app", "--now", NOW, cwd=site)
    assert result.returncode == 0, result.stderr
    for content, package_schemas in ((site / "content", site / "schemas"), (DEMO, ROOT / "generator" / "schema")):
        files = sorted(content.rglob("*.yaml"))
        assert len(files) >= 4
        for path in files:
            line = path.read_text(encoding="utf-8").splitlines()[0]
            found = SCHEMA_LINE.match(line)
            assert found, f"{path}: {line}"
            target = (path.parent / found.group(1)).resolve()
            kind = KINDS.get(path.name) or KINDS[path.parent.name]
            assert target == (package_schemas / f"{kind}.schema.json").resolve(), path
            assert json.loads(target.read_text(encoding="utf-8"))["$schema"].startswith("http://json-schema.org/")


def test_the_sites_schemas_are_this_versions_and_the_schemas_command_refreshes_them(tmp_path: Path) -> None:
    site = init(tmp_path / "my-status")
    shipped = {p.name: p.read_bytes() for p in (ROOT / "generator" / "schema").glob("*.schema.json")}
    assert {p.name: p.read_bytes() for p in (site / "schemas").iterdir()} == shipped
    (site / "schemas" / "incident.schema.json").write_text("{}", encoding="utf-8")
    (site / "schemas" / "my-notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("schemas", cwd=site)
    assert result.returncode == 0, result.stderr
    assert (site / "schemas" / "incident.schema.json").read_bytes() == shipped["incident.schema.json"]
    assert (site / "schemas" / "my-notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_ci_workflows_check_every_change_and_deploy_from_main_and_on_a_schedule(tmp_path: Path) -> None:
    site = init(tmp_path / "my-status")
    github = yaml.safe_load((site / ".github" / "workflows" / "status.yml").read_text(encoding="utf-8"))
    triggers = github[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request", "schedule"} <= set(triggers) and triggers["schedule"][0]["cron"]
    steps = {name: [s.get("run", "") for s in job["steps"]] for name, job in github["jobs"].items()}
    assert "noticeboard check" in steps["check"] and "noticeboard deploy" in steps["deploy"]
    assert "refs/heads/main" in github["jobs"]["deploy"]["if"] and github["jobs"]["deploy"]["needs"] == "check"
    gitlab = yaml.safe_load((site / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["check"]["script"] == ["noticeboard check"] and gitlab["deploy"]["script"] == ["noticeboard deploy"]
    assert gitlab["deploy"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    for text in ((site / ".github" / "workflows" / "status.yml").read_text(encoding="utf-8"),
                 (site / ".gitlab-ci.yml").read_text(encoding="utf-8")):
        assert f'pip install "noticeboard=={__version__}"' in text, "pinned to the version that wrote the site"
    ignored = (site / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "/public/" in ignored and "/.noticeboard-cache/" in ignored
    readme = (site / "README.md").read_text(encoding="utf-8")
    commands = ("new", "check", "serve", "deploy", "update", "resolve")
    assert all(f"noticeboard {command}" in readme for command in commands)
