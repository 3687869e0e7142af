"""Shared fixtures: the shipped demo content and a small content tree each test can bend."""

from __future__ import annotations

import os
import shutil
import textwrap
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

from generator.clock import parse_time

# CI draws the same examples on every run, so a red CI is the change's doing, never a new draw
# that comes and goes; the long run (docs/limits.md) draws afresh each time, as its own command:
# `python -m pytest tests/test_fuzz.py --hypothesis-profile=long`.
settings.register_profile("ci", derandomize=True)
settings.register_profile("long", max_examples=5_000, deadline=None, derandomize=False)


def hypothesis_profile(environ: Mapping[str, str]) -> str:
    """The profile the suite runs with (a --hypothesis-profile option still wins)."""
    return "ci" if environ.get("CI") == "true" else "default"


settings.load_profile(hypothesis_profile(os.environ))

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "content"
DEMO_NOW = "2025-09-27T10:00+09:00"

SITE = """\
title: {ko: 테스트은행 서비스 상태, en: Test Bank status}
languages: [ko, en]
timezone: Asia/Seoul
base_url: https://status.example.test/
contacts:
  - label: {ko: 고객센터, en: Call center}
    phone: "1588-0000"
"""

SERVICES = """\
upstreams:
  - id: gov-id
    name: {ko: 정부 신분증 진위확인, en: Government ID check}
groups:
  - id: identity
    name: {ko: 본인확인, en: Identity}
    services:
      - id: id-check
        name: {ko: 신분증 진위확인, en: ID check}
        depends_on: [gov-id]
        channels: [app, branch]
      - id: remote-account
        name: {ko: 비대면 계좌개설, en: Remote account opening}
        depends_on: [id-check]
  - id: banking
    name: {ko: 뱅킹, en: Banking}
    services:
      - id: transfer
        name: {ko: 이체, en: Transfers}
"""

INCIDENT = """\
title: {ko: 신분증 진위확인 중단, en: ID check unavailable}
impact: major
cause: {upstream: gov-id}
started: 2025-09-26T20:15+09:00
affected:
  - upstream: gov-id
    status: major_outage
  - service: id-check
    status: major_outage
    alternatives:
      - {ko: 모바일 운전면허증으로 본인확인, en: Use a mobile driver's license}
updates:
  - at: 2025-09-26T21:30+09:00
    status: identified
    body: {ko: 정부 시스템 장애로 **이용할 수 없습니다**., en: Unavailable because of a government system outage.}
  - at: 2025-09-28T12:00+09:00
    status: monitoring
    body: {ko: 신분증 진위확인이 복구되었습니다., en: ID check is back.}
    services: {id-check: operational}
  - at: 2025-09-29T09:00+09:00
    status: resolved
    body: {ko: 모두 복구되었습니다., en: All restored.}
"""


def at(text: str) -> datetime:
    parsed = parse_time(text)
    assert parsed is not None
    return parsed


class ContentTree:
    """A content folder in tmp_path, written from the small fixture above, editable per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.write("site.yaml", SITE)
        self.write("services.yaml", SERVICES)
        self.write("incidents/2025-09-26-id-outage.yaml", INCIDENT)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def replace(self, rel: str, old: str, new: str) -> Path:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path


@pytest.fixture
def tree(tmp_path: Path) -> ContentTree:
    return ContentTree(tmp_path / "content")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the shipped demo, so tests may edit it freely."""
    target = tmp_path / "demo" / "content"
    shutil.copytree(DEMO, target)
    return target


BuildFn = Callable[..., Path]


def fork_even_small_jobs(monkeypatch: pytest.MonkeyPatch, module: ModuleType, chunk_name: str, chunk: int) -> None:
    """Make `module` (render or coldcheck) fork two workers for even the demo's few jobs, `chunk`
    per batch, as a large site does; fails loudly where threads would keep it from forking."""
    assert threading.active_count() == 1, f"threads {threading.enumerate()} would keep {module.__name__} from forking"
    monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(module, chunk_name, chunk)
    monkeypatch.setattr(module.os, "cpu_count", lambda: 2)
