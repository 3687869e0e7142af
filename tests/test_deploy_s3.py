"""Deploying to an S3-compatible bucket, against a real SeaweedFS server these tests start."""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, at
from deploy_support import NOW, add_targets, deploy, require, require_module
from seaweed import KEY, SECRET, Weed, client, free_ports

from generator.build import render
from generator.deploy.targets import MARKER

ASSET_LINK = re.compile(r'(?:href|src)="([^"]*assets/[^"]+)"')


@pytest.fixture(scope="module")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Weed]:
    require_module("boto3")
    server = Weed(require("weed"), tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(weed: Weed, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh bucket, and the deploy's credentials in the environment only (no AWS files, no profile)."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    client(weed).create_bucket(Bucket=name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return name


@pytest.fixture
def site(tree, weed: Weed, bucket: str, tmp_path: Path):
    """The small content tree with its own copy of the theme (so a test can change the stylesheet)."""
    theme = tree.root.parent / "themes" / "mine"
    shutil.copytree(ROOT / "themes" / "default", theme)
    tree.write("site.yaml", (tree.root / "site.yaml").read_text(encoding="utf-8") + "theme: mine\n")
    add_targets(tree, f"  - {{name: bucket, type: s3, bucket: {bucket}, endpoint_url: '{weed.endpoint}', "
                      f"region: us-east-1, prefix: status}}\n")
    return tree, theme


def _restyle(theme: Path) -> None:
    css = theme / "static" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* restyled */\n", encoding="utf-8")


def _objects(weed: Weed, bucket: str) -> dict[str, str]:
    """What the bucket publishes under the prefix, by MD5 (the marker that proves it is ours aside)."""
    listing = client(weed).list_objects_v2(Bucket=bucket, Prefix="status/").get("Contents", [])
    found = {item["Key"].removeprefix("status/"): item["ETag"].strip('"') for item in listing}
    assert found.pop(MARKER, None) is not None or not found, "a published prefix carries the marker"
    return found


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_objects_carry_type_and_cache_headers_and_stale_objects_go(site, weed: Weed, bucket: str) -> None:
    tree, theme = site
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    v1 = render(tree.root, at(NOW)).files
    assert _objects(weed, bucket) == {path: _md5(data) for path, data in v1.items()}
    s3 = client(weed)
    heads = {path: s3.head_object(Bucket=bucket, Key=f"status/{path}") for path in v1}
    [css] = [p for p in v1 if p.endswith(".css")]
    assert heads[css]["ContentType"] == "text/css; charset=utf-8"
    assert heads[css]["CacheControl"] == "public, max-age=31536000, immutable"
    for path, head in heads.items():
        if path.endswith(".html"):
            assert head["ContentType"] == "text/html; charset=utf-8", path
        if path.endswith(".json"):
            assert head["ContentType"] == "application/json", path
        if not path.startswith("assets/"):
            assert head["CacheControl"] == "public, max-age=60", path

    _restyle(theme)
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    v2 = render(tree.root, at(NOW)).files
    assert _objects(weed, bucket) == {path: _md5(data) for path, data in v2.items()}
    assert css not in _objects(weed, bucket), "the old stylesheet is deleted once no page links to it"


def test_a_scheduled_deploy_with_nothing_new_sends_nothing(site, weed: Weed, bucket: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tree, _ = site
    assert deploy(tree.root).code == 0
    requests = _record_requests(monkeypatch)
    run = deploy(tree.root, now="2025-09-27T10:07+09:00")
    assert run.code == 0, run.out + run.err
    assert "bucket already up to date" in run.out
    assert not [op for op, _ in requests if op in ("PutObject", "DeleteObjects")]


def test_assets_go_up_before_data_before_pages_and_deletions_come_last(site, weed: Weed, bucket: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tree, theme = site
    assert deploy(tree.root).code == 0
    v1_files = render(tree.root, at(NOW)).files
    _restyle(theme)
    requests = _record_requests(monkeypatch)

    assert deploy(tree.root).code == 0

    sent = [key.removeprefix("status/") for op, key in requests if op == "PutObject"]
    assert sent[-1] == MARKER, "the marker naming the new site goes up once the bucket is whole"
    puts = sent[:-1]
    v1 = dict(v1_files)
    v2 = render(tree.root, at(NOW)).files
    assert sorted(puts) == sorted(p for p in v2 if v1.get(p) != v2[p]), "only new and changed files are sent"
    kinds = [0 if p.startswith("assets/") else 2 if p.endswith(".html") else 1 for p in puts]
    assert puts and kinds == sorted(kinds), puts
    assert kinds[0] == 0 and puts[-1] == "index.html"
    writes = [op for op, _ in requests if op in ("PutObject", "DeleteObjects")]
    assert writes[-2] == "DeleteObjects" and writes.count("DeleteObjects") == 1


def test_a_server_killed_mid_deploy_leaves_whole_pages_and_the_next_deploy_completes(
        site, weed: Weed, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, theme = site
    assert deploy(tree.root).code == 0
    v1 = render(tree.root, at(NOW)).files
    _restyle(theme)
    v2 = render(tree.root, at(NOW)).files
    pages_done: list[str] = []

    def kill_after_two_pages(http_response: Any, **_: Any) -> None:
        """Pages go up side by side: once two are in, the server dies under the others."""
        if http_response.url.endswith(".html") and http_response.status_code == 200:
            pages_done.append(http_response.url)
            if len(pages_done) == 2:
                weed.kill()

    _hook(monkeypatch, "after-call.s3.PutObject", kill_after_two_pages)
    try:
        run = deploy(tree.root)
    finally:
        if weed.proc is not None and weed.proc.poll() is not None:
            weed.start()
    assert len(pages_done) >= 2, "two pages went up, then the server died"
    assert run.code == 1 and "bucket" in run.out and "FAILED" in run.out

    held = _objects(weed, bucket)
    assert any(held.get(p) == _md5(v2[p]) != _md5(v1.get(p, b"")) for p in v2 if p.endswith(".html")), "half-way"
    assert any(held.get(p) == _md5(v1[p]) != _md5(v2.get(p, b"")) for p in v1 if p.endswith(".html")), "half-way"
    for path, etag in held.items():
        assert etag in (_md5(v1.get(path, b"")), _md5(v2.get(path, b""))), f"{path} is neither version"
        if path.endswith(".html"):
            page = (v2 if etag == _md5(v2.get(path, b"")) else v1)[path].decode("utf-8")
            for link in ASSET_LINK.findall(page):
                # The 404 page links from the site root (it is served at any depth); the others relatively.
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), link)).lstrip("/")
                assert target in held, f"{path} links to {target}, which is not published"

    _hook(monkeypatch, "after-call.s3.PutObject", lambda **_: None)
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    assert _objects(weed, bucket) == {path: _md5(data) for path, data in v2.items()}


def test_a_broken_target_does_not_stop_the_other(tree, weed: Weed, bucket: str) -> None:
    closed = free_ports(1)[0]
    add_targets(tree, f"  - {{name: good, type: s3, bucket: {bucket}, endpoint_url: '{weed.endpoint}', "
                      f"region: us-east-1}}\n"
                      f"  - {{name: down, type: s3, bucket: {bucket}, endpoint_url: 'http://127.0.0.1:{closed}', "
                      f"region: us-east-1}}\n")
    run = deploy(tree.root)
    assert run.code == 1, run.out + run.err
    summary = run.out.split("summary:")[1]
    assert re.search(r"good\s+ok: \d+ new, 0 changed, 0 deleted, 0 unchanged; \d+ uploaded, 0 deleted, verified",
                     summary), summary
    assert re.search(r"down\s+FAILED: S3 request failed: Could not connect", summary), summary
    assert "1 of 2 targets failed (down)" in run.err
    files = render(tree.root, at(NOW)).files
    listing = client(weed).list_objects_v2(Bucket=bucket).get("Contents", [])
    assert {item["Key"] for item in listing} == {*files, MARKER}
    assert SECRET not in run.out + run.err


def test_refused_credentials_are_reported_but_never_printed(site, weed: Weed, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, _ = site
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-never-shown")
    run = deploy(tree.root)
    assert run.code == 1
    assert "the S3 credentials were refused" in run.out
    assert "wrong-secret-never-shown" not in run.out + run.err and SECRET not in run.out + run.err


def test_a_prefix_holding_someone_elses_objects_is_left_alone(site, weed: Weed, bucket: str) -> None:
    tree, _ = site
    client(weed).put_object(Bucket=bucket, Key="status/report.pdf", Body=b"not ours")
    run = deploy(tree.root)
    assert run.code == 1
    assert "already holds files that Noticeboard did not publish" in run.out
    listing = client(weed).list_objects_v2(Bucket=bucket).get("Contents", [])
    assert [item["Key"] for item in listing] == ["status/report.pdf"]


def test_verification_catches_a_host_that_stores_something_else(site, weed: Weed, bucket: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy or gateway that mangles one upload: the deploy must not report success."""
    tree, _ = site

    def mangle_history(params: dict[str, Any], **_: Any) -> None:
        if params["Key"] == "status/history.html":
            params["Body"] = b"<p>mangled on the way</p>"
            params["ContentMD5"] = base64.b64encode(hashlib.md5(params["Body"]).digest()).decode()

    _hook(monkeypatch, "before-parameter-build.s3.PutObject", mangle_history)
    run = deploy(tree.root)
    assert run.code == 1
    assert "the bucket stored 1 file otherwise than sent (history.html)" in run.out


def _hook(monkeypatch: pytest.MonkeyPatch, event: str, handler: Any) -> None:
    """Register a botocore event handler on every client the deploy creates."""
    from generator.deploy.targets import s3

    real = s3.make_client.__wrapped__ if hasattr(s3.make_client, "__wrapped__") else s3.make_client

    def make_client(config: Any) -> Any:
        made = real(config)
        made.meta.events.register(event, handler)
        return made

    make_client.__wrapped__ = real  # type: ignore[attr-defined]
    monkeypatch.setattr(s3, "make_client", make_client)


def _record_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    requests: list[tuple[str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        requests.append((model.name, params.get("Key", "")))

    _hook(monkeypatch, "before-parameter-build.s3", record)
    return requests


def test_a_marker_whose_hash_the_host_cannot_tell_still_marks_the_prefix() -> None:
    """A bucket with KMS encryption reports ETags that are not MD5s, listed as None: the marker's
    presence, not its hash, says the prefix is ours."""
    from generator.deploy.targets.base import claim_listing

    found: dict[str, str | None] = {MARKER: None, "index.html": None}
    assert claim_listing(found, "bucket b/", "use an empty bucket or prefix") is True
    assert found == {"index.html": None}


def test_a_deploy_after_its_own_plans_from_what_it_remembers_not_a_listing(site, weed: Weed, bucket: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """In a crisis every update is a deploy: the bucket's marker names the site this machine last
    published there, so the next deploy reads that one object instead of listing the bucket."""
    tree, theme = site
    assert deploy(tree.root).code == 0
    _restyle(theme)
    requests = _record_requests(monkeypatch)
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    assert not [op for op, _ in requests if op.startswith("ListObjects")], requests
    assert _objects(weed, bucket) == {path: _md5(data) for path, data in render(tree.root, at(NOW)).files.items()}


def test_a_bucket_changed_by_someone_else_is_listed_and_put_right(site, weed: Weed, bucket: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Another machine (or a hand) changed the bucket after this machine's deploy: the marker no
    longer names what this machine remembers, so the deploy lists the bucket and sends what differs."""
    tree, _ = site
    assert deploy(tree.root).code == 0
    s3 = client(weed)
    s3.put_object(Bucket=bucket, Key="status/history.html", Body=b"<p>edited by hand</p>")
    s3.put_object(Bucket=bucket, Key=f"status/{MARKER}", Body=b"published elsewhere\npublished: other\n")
    requests = _record_requests(monkeypatch)
    run = deploy(tree.root)
    assert run.code == 0, run.out + run.err
    assert [op for op, _ in requests if op.startswith("ListObjects")], "the bucket is listed, not trusted"
    assert ("PutObject", "status/history.html") in requests
    assert _objects(weed, bucket) == {path: _md5(data) for path, data in render(tree.root, at(NOW)).files.items()}
