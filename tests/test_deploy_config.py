"""The `deploy:` list in site.yaml: parsed into targets, and every mistake reported by `check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import fastjsonschema
import pytest
import yaml
from jsonschema import Draft7Validator

from generator.content.check import check
from generator.content.deploy_config import FolderConfig, GitConfig, S3Config, load_targets
from generator.content.validate import schema
from generator.errors import ContentError

GOOD = """
deploy:
  - name: github
    type: git
    url: ../pages.git
    cname: status.example.com
  - name: r2
    type: s3
    bucket: status-site
    endpoint_url: https://acc.r2.cloudflarestorage.com
    region: auto
    prefix: status
  - name: web1
    type: folder
    path: mirror/www
"""


def _problems(tree, deploy: str) -> list[str]:
    tree.write("site.yaml", (tree.root / "site.yaml").read_text(encoding="utf-8") + deploy)
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    return [p.format() for p in caught.value.problems]


def test_targets_are_read_with_paths_from_the_project_folder(tree) -> None:
    tree.write("site.yaml", (tree.root / "site.yaml").read_text(encoding="utf-8") + GOOD)
    check(tree.root)
    project = tree.root.resolve().parent
    assert load_targets(tree.root) == (
        GitConfig("github", str(project / "../pages.git"), "gh-pages", "status.example.com"),
        S3Config("r2", "status-site", "status/", "https://acc.r2.cloudflarestorage.com", "auto"),
        FolderConfig("web1", project / "mirror/www"),
    )


def test_shape_mistakes_point_at_the_line(tree) -> None:
    found = _problems(tree, """
deploy:
  - name: r2
    type: s3
    buckt: status-site
  - name: web
    type: ftp
""")
    assert any("site.yaml:12:5: error: unknown key 'buckt'" in p and "did you mean 'bucket'?" in p for p in found)
    assert any("site.yaml:10:5: error: missing key 'bucket'" in p for p in found)
    assert any("site.yaml:14:11: error: unknown type 'ftp'" in p and "folder, git, s3" in p for p in found)


def test_credentials_in_content_are_refused_and_never_echoed(tree) -> None:
    found = _problems(tree, """
deploy:
  - name: r2
    type: s3
    bucket: status-site
    secret_access_key: wJalrXUtnFEMI-SECRET
""")
    assert len(found) == 1
    assert "site.yaml:13:24: error: secret_access_key: credentials never go in content files" in found[0]
    assert "AWS_SECRET_ACCESS_KEY" in found[0] and "wJalrXUtnFEMI" not in found[0]


def test_meaning_mistakes_are_reported_all_at_once_without_secrets(tree) -> None:
    tree.write("site.yaml", (tree.root / "site.yaml").read_text(encoding="utf-8") + """
deploy:
  - name: github
    type: git
    url: https://bot:ghp_TOKEN123@github.com/org/status.git
    branch: gh..pages
    cname: https://status.example.com/
  - name: r2
    type: s3
    bucket: Status_Site
    endpoint_url: https://key:SECRET456@acc.r2.cloudflarestorage.com
    prefix: ../up
  - name: r2
    type: folder
    path: .
""")
    result = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=tree.root.parent,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    err = result.stderr
    assert "ghp_TOKEN123" not in err and "SECRET456" not in err
    for expected in ("site.yaml:12:10: error: the git url carries credentials",
                     "site.yaml:13:13: error: 'gh..pages' is not a usable branch name",
                     "site.yaml:14:12: error: 'https://status.example.com/' is not a host name",
                     "site.yaml:17:13: error: 'Status_Site' is not a valid bucket name",
                     "site.yaml:18:19: error: the endpoint URL carries credentials",
                     "site.yaml:19:13: error: '../up' is not a usable key prefix",
                     "site.yaml:20:11: error: duplicate deploy target name 'r2'",
                     "site.yaml:22:11: error: deploy folder '.' holds the content itself"):
        assert expected in err, err


@pytest.mark.parametrize("entry", [
    {"name": "a", "type": "git", "url": "x"},
    {"name": "a", "type": "git", "url": "x", "bucket": "b"},
    {"name": "a", "type": "s3", "bucket": "b", "token": "t"},
    {"name": "a", "type": "s3"},
    {"name": "a", "type": "folder", "path": 1},
    {"name": "a", "type": "zip", "path": "x"},
    {"type": "folder", "path": "x"},
    {"name": "Bad Name", "type": "folder", "path": "x"},
    {"name": "a", "path": "x"},
])
def test_fast_validator_agrees_on_deploy_entries(entry: dict) -> None:
    """check() trusts the compiled validator's 'valid', so it must judge deploy entries like jsonschema."""
    site = {"title": "t", "languages": ["ko"], "timezone": "Asia/Seoul", "base_url": "https://x.test/",
            "deploy": [entry]}
    try:
        fastjsonschema.compile(schema("site"))(site)
        fast_ok = True
    except fastjsonschema.JsonSchemaException:
        fast_ok = False
    assert fast_ok == Draft7Validator(schema("site")).is_valid(site)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("branch", "gh-pages\\n", "is not a usable branch name"),
    ("cname", "status.example.com\\n", "is not a host name"),
])
def test_a_trailing_newline_is_not_a_branch_or_host_name(tree, key: str, value: str, message: str) -> None:
    """`$` also matches before a final newline: "gh-pages\\n" passed the branch check."""
    found = _problems(tree, f'\ndeploy:\n  - name: pages\n    type: git\n    url: ../pages.git\n    {key}: "{value}"\n')
    assert any(f"error: '{value}' {message}" in p for p in found), found


def test_the_documented_example_is_valid(tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "content-format.md").read_text(encoding="utf-8")
    start = docs.index("```yaml\ndeploy:")
    example = docs[start + len("```yaml\n"): docs.index("```", start + 7)]
    site = {"title": "t", "languages": ["ko"], "timezone": "Asia/Seoul", "base_url": "https://x.test/",
            **yaml.safe_load(example)}
    assert list(Draft7Validator(schema("site")).iter_errors(site)) == []
