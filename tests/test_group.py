"""A financial group: affiliates, shared upstreams, propagation, sections and recovery progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import at
from html_text import Page

from generator.build import build
from generator.content.check import check
from generator.state.derive import implied_warnings, snapshot

SITE = """\
title: {ko: 예시금융그룹 서비스 상태, en: Example Group status}
languages: [ko, en]
timezone: Asia/Seoul
base_url: https://status.example.test/
affiliates:
  - id: bank
    name: {ko: 예시은행, en: Example Bank}
    contacts: [{label: {ko: 은행 고객센터, en: Bank call center}, phone: "1588-1111"}]
  - id: card
    name: {ko: 예시카드, en: Example Card}
  - id: securities
    name: {ko: 예시증권, en: Example Securities}
"""

SERVICES = """\
upstreams:
  - id: gov-id
    name: {ko: 정부 신분증 진위확인, en: Government ID check}
  - id: messenger
    name: {ko: 메신저 플랫폼, en: Messenger platform}
groups:
  - id: bank-identity
    name: {ko: 본인확인, en: Identity}
    affiliate: bank
    services:
      - id: id-check
        name: {ko: 신분증 진위확인, en: ID check}
        depends_on: [gov-id]
      - id: remote-account
        name: {ko: 비대면 계좌개설, en: Remote account opening}
        depends_on: [id-check]
      - id: messenger-transfer
        name: {ko: 메신저 송금, en: Messenger transfer}
        depends_on: [messenger]
  - id: card-services
    name: {ko: 카드, en: Card}
    affiliate: card
    services:
      - id: card-application
        name: {ko: 카드 발급 신청, en: Card application}
        depends_on: [remote-account]
      - id: card-payment
        name: {ko: 카드 결제, en: Card payment}
  - id: sec-services
    name: {ko: 증권, en: Securities}
    affiliate: securities
    services:
      - id: trading
        name: {ko: 주식 매매, en: Trading}
"""

FIRE = """\
title: {ko: 정부 데이터센터 화재, en: Government data-center fire}
impact: major
cause: {upstream: gov-id}
started: 2025-09-26T20:15+09:00
affected:
  - upstream: gov-id
    status: major_outage
    alternatives:
      - text: {ko: 운전면허증으로 본인확인, en: Use a driver's license}
        channels: [app, branch]
        audience: {ko: 운전면허증이 있는 고객, en: Customers with a license}
  - service: remote-account
    status: partial_outage
    alternatives: [{ko: 영업점 방문, en: Visit a branch}]
updates:
  - at: 2025-09-27T09:00+09:00
    status: identified
    body: {ko: 복구 중입니다., en: Recovering.}
    progress: {restored: 100, total: 709}
  - at: 2025-10-28T21:00+09:00
    status: monitoring
    body: {ko: 대부분 복구되었습니다., en: Mostly restored.}
    progress:
      restored: 584
      total: 709
      tiers:
        - {name: {ko: 1등급, en: Grade 1}, restored: 38, total: 40}
        - {name: {ko: 2등급, en: Grade 2}, restored: 56, total: 68}
        - {name: {ko: 3등급, en: Grade 3}, restored: 213, total: 261}
        - {name: {ko: 4등급, en: Grade 4}, restored: 277, total: 340}
not_recovered:
  - {ko: 장애 중 접수된 대출 신청은 다시 해 주세요, en: Re-submit loan applications made during the outage}
"""

NOW = "2025-10-29T10:00+09:00"


@pytest.fixture
def group(tree):
    tree.write("site.yaml", SITE)
    tree.write("services.yaml", SERVICES)
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").unlink()
    tree.write("incidents/2025-09-26-fire.yaml", FIRE)
    return tree


def test_propagation_direct_transitive_across_affiliates_and_override(group) -> None:
    snap = snapshot(check(group.root).content, at(NOW))
    states = {sid: (s.status, s.upstream, s.implied) for sid, s in snap.services.items()}
    assert states["id-check"] == ("major_outage", "gov-id", True)
    assert states["card-application"] == ("major_outage", "gov-id", True)
    assert states["remote-account"] == ("partial_outage", "gov-id", False)
    assert states["messenger-transfer"][0] == states["trading"][0] == states["card-payment"][0] == "operational"


def test_upstream_alternatives_reach_the_dependent_services(group) -> None:
    snap = snapshot(check(group.root).content, at(NOW))
    alternative = snap.services["card-application"].alternatives[0]
    assert alternative.channels == ("app", "branch")
    assert alternative.audience is not None and alternative.audience.get("en", "ko") == "Customers with a license"


def test_check_warns_about_services_affected_only_through_an_upstream(group) -> None:
    content = check(group.root).content
    warned = {w.message.split("'")[1] for w in implied_warnings(content, snapshot(content, at(NOW)))}
    assert warned == {"id-check", "card-application"}


def test_cycle_is_reported(group) -> None:
    group.replace("services.yaml", "depends_on: [gov-id]", "depends_on: [gov-id, card-application]")
    warnings = [w.message for w in check(group.root).warnings]
    assert warnings == ["depends_on forms a cycle: card-application → remote-account → id-check → card-application"]


def test_progress_figures_must_be_consistent(group) -> None:
    group.replace("incidents/2025-09-26-fire.yaml", "{restored: 100, total: 709}", "{restored: 800, total: 709}")
    from generator.errors import ContentError

    with pytest.raises(ContentError) as caught:
        check(group.root)
    assert "restored (800) is more than total (709)" in caught.value.report()


@pytest.fixture
def site(group, tmp_path: Path) -> Path:
    build(group.root, tmp_path / "out", at(NOW))
    return tmp_path / "out"


def test_group_home_shows_each_affiliate_at_a_glance(site: Path) -> None:
    home = Page.read(site / "index.html")
    section = home.html.split('id="affiliates-h">', 1)[1].split("</section>", 1)[0]
    # The state last changed on the 28th at 21:00, so the 90 days run to midnight of the 29th:
    # 89 whole days (128,160 minutes), of which the fire kept id-check (implied) down and
    # remote-account partly down for 46,305 (20:15 on the 26th to midnight, and 32 days);
    # card-application (implied) down as long. An affiliate pools its services' minutes:
    # bank 1 - (46,305 + 0.3 × 46,305) / (3 × 128,160) = 84.34%, card 1 - 46,305 / (2 × 128,160) = 81.93%.
    assert Page(section).text == ("계열사별 상태 예시은행 ✕ 일부 서비스 이용 불가 (1/3) 최근 90일 가용률 84.34% "
                                  "예시카드 ✕ 일부 서비스 이용 불가 (1/2) 최근 90일 가용률 81.93% "
                                  "예시증권 ✓ 정상 최근 90일 가용률 100%")


def test_each_affiliate_section_shows_only_its_own_services(site: Path) -> None:
    card = Page.read(site / "card" / "history.html")
    entry = card.text.split("정부 데이터센터 화재", 1)[1].split("영향:", 1)[1].split("기준 시각", 1)[0]
    assert "카드 발급 신청" in entry and "비대면 계좌개설" not in entry
    bank_home = Page.read(site / "bank" / "index.html")
    assert "예시은행 · 예시금융그룹 서비스 상태" in bank_home.text
    assert "1588-1111" in bank_home.text
    assert "주식 매매" not in bank_home.text
    assert "2025-09-26-fire" not in (site / "securities" / "history.html").read_text(encoding="utf-8")
    assert (site / "en" / "card" / "index.html").is_file()


def test_a_section_links_to_the_one_page_of_each_incident_and_service(site: Path) -> None:
    card = Page.read(site / "card" / "history.html")
    assert "../incidents/2025-09-26-fire.html" in card.links()
    assert not (site / "card" / "incidents").exists() and not (site / "card" / "services").exists()
    assert (site / "incidents" / "2025-09-26-fire.html").is_file()


def test_incident_page_shows_progress_text_and_accessible_chart(site: Path) -> None:
    page = Page.read(site / "incidents" / "2025-09-26-fire.html")
    assert "709개 중 584개 복구 (82.4%)" in page.text
    assert "1등급 40개 중 38개 (95.0%)" in page.text and "4등급 340개 중 277개 (81.5%)" in page.text
    svg = page.html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "<title" in svg
    assert "709개 중 100개 복구 (14.1%)" in svg and "709개 중 584개 복구 (82.4%)" in svg
    en = Page.read(site / "en" / "incidents" / "2025-09-26-fire.html")
    assert "584 of 709 restored (82.4%)" in en.text and "Grade 1: 38 of 40 (95.0%)" in en.text


def test_alternatives_page_and_not_recovered(site: Path) -> None:
    page = Page.read(site / "alternatives.html")
    assert "카드 발급 신청" in page.text and "운전면허증으로 본인확인" in page.text and "운전면허증이 있는 고객" in page.text
    incident = Page.read(site / "incidents" / "2025-09-26-fire.html")
    assert "장애 중 접수된 대출 신청은 다시 해 주세요" in incident.text.split("복구되지 않는 내용", 1)[1]


def test_separate_site_for_one_affiliate(group, tmp_path: Path) -> None:
    build(group.root, tmp_path / "card-site", at(NOW), affiliate="card")
    home = Page.read(tmp_path / "card-site" / "index.html")
    assert "예시카드 · 예시금융그룹 서비스 상태" in home.text and "카드 발급 신청" in home.text
    assert "주식 매매" not in home.text
    assert not (tmp_path / "card-site" / "bank").exists()


def test_affiliate_id_cannot_clash_with_site_folders(group) -> None:
    group.replace("site.yaml", "- id: securities", "- id: incidents")
    group.replace("services.yaml", "affiliate: securities", "affiliate: incidents")
    from generator.errors import ContentError

    with pytest.raises(ContentError) as caught:
        check(group.root)
    assert "affiliate id 'incidents' is taken" in caught.value.report()
