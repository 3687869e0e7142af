"""What a customer reads on a group's site in an outage: a rollup that does not overstate, the
unavailable services grouped by incident and cause with the root first, a history that keeps open
incidents apart and says how long past ones lasted, and whom to call beside the alternatives."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW, at
from html_text import Page

from generator.build import build
from generator.content.check import check
from generator.state import listing
from generator.state.derive import snapshot

SITE = """\
title: {ko: 예시금융그룹 서비스 상태, en: Example Group status}
languages: [ko, en]
timezone: Asia/Seoul
base_url: https://status.example.test/
contacts:
  - label: {ko: 그룹 홈페이지, en: Group website}
    url: https://www.example.test/
affiliates:
  - id: bank
    name: {ko: 예시은행, en: Example Bank}
    contacts:
      - label: {ko: 은행 고객센터, en: Bank call center}
        phone: "1588-1111"
      - label: {ko: 영업점 찾기, en: Find a branch}
        url: https://bank.example.test/branches
  - id: card
    name: {ko: 예시카드, en: Example Card}
    contacts:
      - label: {ko: 카드 고객센터, en: Card call center}
        phone: "1544-2222"
  - id: securities
    name: {ko: 예시증권, en: Example Securities}
    contacts:
      - label: {ko: 증권 도움말, en: Securities help}
        url: https://securities.example.test/help
"""

# The bank's catalog lists the account opening before the ID check it relies on.
SERVICES = """\
upstreams:
  - id: gov-id
    name: {ko: 정부 신분증 진위확인, en: Government ID check}
  - id: messenger
    name: {ko: 메신저 플랫폼, en: Messenger platform}
groups:
  - id: bank-services
    name: {ko: 예시은행, en: Example Bank}
    affiliate: bank
    services:
      - id: remote-account
        name: {ko: 비대면 계좌개설, en: Opening an account online}
        depends_on: [id-check]
      - id: id-check
        name: {ko: 신분증 진위확인, en: ID check}
        depends_on: [gov-id]
      - id: bank-app
        name: {ko: 예시은행 앱, en: Example Bank app}
      - id: bank-chat
        name: {ko: 메신저 상담, en: Chat support}
        depends_on: [messenger]
  - id: card-services
    name: {ko: 예시카드, en: Example Card}
    affiliate: card
    services:
      - id: card-application
        name: {ko: 카드 발급 신청, en: Card applications}
        depends_on: [gov-id]
      - id: card-chat
        name: {ko: 메신저 상담, en: Chat support}
        depends_on: [messenger]
  - id: securities-services
    name: {ko: 예시증권, en: Example Securities}
    affiliate: securities
    services:
      - id: trading
        name: {ko: 주식 주문, en: Stock orders}
      - id: sec-chat
        name: {ko: 메신저 상담, en: Chat support}
        depends_on: [messenger]
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
      - {ko: 운전면허증으로 본인확인, en: Use a driver's licence}
  - service: remote-account
    status: partial_outage
    alternatives: [{ko: 영업점 방문, en: Visit a branch}]
updates:
  - at: 2025-09-26T21:30+09:00
    status: identified
    body: {ko: 정부 시스템 장애입니다., en: A government system is down.}
"""

APP = """\
title: {ko: 예시은행 앱 접속 장애, en: Example Bank app unavailable}
impact: major
started: 2025-09-27T08:00+09:00
affected:
  - service: bank-app
    status: major_outage
    alternatives: [{ko: 인터넷뱅킹 이용, en: Use web banking}]
updates:
  - at: 2025-09-27T08:10+09:00
    status: investigating
    body: {ko: 원인을 찾고 있습니다., en: We are looking into it.}
"""

CHAT = """\
title: {ko: 메신저 플랫폼 장애, en: Messenger platform outage}
impact: minor
started: 2025-09-20T14:00+09:00
affected:
  - upstream: messenger
    status: major_outage
updates:
  - at: 2025-09-20T14:10+09:00
    status: identified
    body: {ko: 메신저 플랫폼 장애입니다., en: The messenger platform is down.}
  - at: 2025-09-20T16:30+09:00
    status: resolved
    body: {ko: 복구되었습니다., en: It is back.}
"""

WINDOW = """\
title: {ko: 주문 시스템 점검, en: Order system maintenance}
starts: 2025-09-27T09:00+09:00
ends: 2025-09-27T12:00+09:00
services: [trading]
"""

NOW = "2025-09-27T10:00+09:00"


@pytest.fixture
def group(tree):
    tree.write("site.yaml", SITE)
    tree.write("services.yaml", SERVICES)
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").unlink()
    tree.write("incidents/2025-09-26-fire.yaml", FIRE)
    tree.write("incidents/2025-09-27-app.yaml", APP)
    tree.write("incidents/2025-09-20-chat.yaml", CHAT)
    tree.write("maintenance/2025-09-27-orders.yaml", WINDOW)
    return tree


@pytest.fixture
def site(group, tmp_path: Path) -> Path:
    build(group.root, tmp_path / "out", at(NOW))
    return tmp_path / "out"


def between(page: Page, start: str, end: str) -> Page:
    """The part of a page from the element whose opening tag holds `start` up to `end`."""
    part = page.html.split(start, 1)[1]
    return Page("<div " + part.split(end, 1)[0] if end in part else part)


def headings(page: Page, level: int) -> list[str]:
    return [Page(inner).text for inner in re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", page.html, re.S)]


def badge_texts(path: Path) -> list[str]:
    return [t.text or "" for t in ET.fromstring(path.read_bytes()).iter("{http://www.w3.org/2000/svg}text")]


# The rollup


def without_figures(text: str) -> str:
    """An affiliate's line without its availability figure (test_availability_pages.py checks those)."""
    return re.sub(r" (최근 90일 가용률|Availability, last 90 days:) [0-9.]+%", "", text)


def test_an_affiliate_with_some_services_down_is_not_shown_as_down(site: Path) -> None:
    overview = between(Page.read(site / "index.html"), 'id="affiliates-h"', "</section>")
    assert without_figures(overview.text).removeprefix("계열사별 상태 ") == ("예시은행 ✕ 일부 서비스 이용 불가 (2/4) 예시카드 ✕ 일부 서비스 이용 불가 (1/2) "
                                             "예시증권 ⚙ 일부 서비스 점검 중 (1/2)")
    english = between(Page.read(site / "en" / "index.html"), 'id="affiliates-h"', "</section>")
    assert "Example Bank ✕ Some services unavailable (2 of 4)" in without_figures(english.text)


def test_an_affiliate_with_every_service_down_says_so(group, tmp_path: Path) -> None:
    group.replace("incidents/2025-09-26-fire.yaml", "  - service: remote-account",
                  "  - service: card-chat\n    status: major_outage\n  - service: remote-account")
    build(group.root, tmp_path / "out", at(NOW))
    out = tmp_path / "out"
    overview = between(Page.read(out / "index.html"), 'id="affiliates-h"', "</section>")
    assert "예시카드 ✕ 이용 불가 예시증권" in without_figures(overview.text)
    card_home = Page.read(out / "card" / "index.html")
    assert headings(card_home, 1) == ["✕ 모든 서비스를 이용할 수 없습니다"]
    assert badge_texts(out / "card" / "badges" / "status.svg") == ["예시카드", "이용 불가"]
    status = json.loads((out / "en" / "card" / "api" / "v2" / "status.json").read_text(encoding="utf-8"))
    assert status["status"]["description"] == "All services are unavailable"


def test_badges_and_the_api_word_a_rollup_as_the_pages_do(site: Path) -> None:
    assert badge_texts(site / "bank" / "badges" / "status.svg") == ["예시은행", "일부 서비스 이용 불가 (2/4)"]
    group = badge_texts(site / "en" / "badges" / "status.svg")
    assert group == ["Service status", "Some services unavailable (3 of 8)"]
    status = json.loads((site / "bank" / "api" / "v2" / "status.json").read_text(encoding="utf-8"))["status"]
    assert status["indicator"] == "critical" and status["description"] == "일부 서비스를 이용할 수 없습니다"
    assert status["noticeboard"]["rollup"] == {"status": "major_outage", "count": 2, "total": 4,
                                                "text": "일부 서비스 이용 불가 (2/4)"}
    components = json.loads((site / "en" / "api" / "v2" / "components.json").read_text(encoding="utf-8"))["components"]
    card = next(c for c in components if c["id"] == "card-services")
    assert card["status"] == "major_outage"  # a group takes its worst member's status, as Statuspage's do
    assert card["noticeboard"]["rollup"]["text"] == "Some services unavailable (1 of 2)"


# The "unavailable now" cards


def card_names(page: Page) -> list[str]:
    return headings(between(page, 'id="down-h"', 'class="call"'), 4)


def test_cards_are_grouped_by_incident_and_cause_root_first_naming_the_affiliate(site: Path) -> None:
    home = Page.read(site / "index.html")
    assert card_names(home) == ["신분증 진위확인 예시은행", "비대면 계좌개설 예시은행", "카드 발급 신청 예시카드",
                                "예시은행 앱 예시은행", "주식 주문 예시증권"]
    groups = headings(between(home, 'id="down-h"', 'class="call"'), 3)
    assert groups == ["원인: 외부 기관 시스템 장애 — 정부 신분증 진위확인", "예시은행 앱 접속 장애", "점검: 주문 시스템 점검"]
    section = Page.read(site / "bank" / "index.html")
    assert card_names(section) == ["신분증 진위확인", "비대면 계좌개설", "예시은행 앱"]
    widget = Page.read(site / "widget.html")
    assert "지금 이용할 수 없는 서비스: 예시은행 (신분증 진위확인, 비대면 계좌개설) · 예시카드 (카드 발급 신청) +2" in widget.text
    assert "지금 이용할 수 없는 서비스: 신분증 진위확인, 비대면 계좌개설, 예시은행 앱" in Page.read(site / "bank" / "widget.html").text


def test_a_dependency_cycle_lists_each_service_once(group, tmp_path: Path) -> None:
    group.replace("services.yaml", "depends_on: [gov-id]\n      - id: bank-app",
                  "depends_on: [gov-id, remote-account]\n      - id: bank-app")
    build(group.root, tmp_path / "out", at(NOW))
    names = card_names(Page.read(tmp_path / "out" / "index.html"))
    assert names[:3] == ["신분증 진위확인 예시은행", "비대면 계좌개설 예시은행", "카드 발급 신청 예시카드"]


def test_the_demo_lists_the_id_check_before_what_relies_on_it(tmp_path: Path) -> None:
    build(DEMO, tmp_path / "out", at(DEMO_NOW))
    names = [name.split(" 예시")[0] for name in card_names(Page.read(tmp_path / "out" / "index.html"))]
    assert names == ["신분증 진위확인", "비대면 계좌개설", "카드 발급 신청", "비대면 증권계좌 개설", "비대면 대출 신청",
                     "공공 마이데이터 서류 제출", "지로·공과금 납부"]


def test_a_service_an_incident_names_is_not_blamed_on_an_upstream_it_does_not_rely_on() -> None:
    """The fire's stated cause is the ID registry; giro payments rely on the giro network alone."""
    snap = snapshot(check(DEMO).content, at(DEMO_NOW))
    assert snap.services["giro-payment"].upstream is None
    assert snap.services["remote-account-opening"].upstream == "gov-id-verification"


# The history


def test_the_history_keeps_open_incidents_apart_from_past_ones(site: Path) -> None:
    history = Page.read(site / "history.html")
    ongoing = between(history, 'id="open-h"', "</section>").text
    past = between(history, 'id="past-h"', "</section>").text
    assert "정부 데이터센터 화재" in ongoing and "예시은행 앱 접속 장애" in ongoing and "메신저 플랫폼 장애" not in ongoing
    assert "정부 데이터센터 화재" not in past and "예시은행 앱 접속 장애" not in past
    assert "발생 2025년 9월 26일 (금) 20:15 KST · 진행 중" in ongoing
    assert "영향: 예시은행 (비대면 계좌개설, 신분증 진위확인) · 예시카드 (카드 발급 신청)" in ongoing
    assert ("해결 2025년 9월 20일 (토) 14:00 KST – 16:30 KST (2시간 30분) "
            "영향: 예시은행 (메신저 상담) · 예시카드 (메신저 상담) · 예시증권 (메신저 상담)") in past
    english = Page.read(site / "en" / "history.html")
    assert "Sat 20 Sep 2025, 14:00 KST – 16:30 KST (2 h 30 min)" in english.text
    bank = between(Page.read(site / "bank" / "history.html"), 'id="past-h"', "</section>")
    assert "해결 2025년 9월 20일 (토) 14:00 KST – 16:30 KST (2시간 30분) 영향: 메신저 상담" in bank.text


def test_a_service_lists_how_long_each_incident_lasted(site: Path) -> None:
    page = Page.read(site / "services" / "bank-chat.html")
    assert "메신저 플랫폼 장애 해결 2025년 9월 20일 (토) 14:00 KST – 16:30 KST (2시간 30분)" in page.text


def test_history_pages_hold_past_incidents_only(group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "HISTORY_PAGE_SIZE", 1)
    build(group.root, tmp_path / "out", at(NOW))
    out = tmp_path / "out"
    assert (out / "history.html").is_file() and not (out / "history").exists()
    assert 'id="open-h"' in (out / "history.html").read_text(encoding="utf-8")


def test_further_history_pages_show_no_open_incidents(group, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "HISTORY_PAGE_SIZE", 1)
    group.write("incidents/2025-09-10-older.yaml", CHAT.replace("2025-09-20", "2025-09-10"))
    build(group.root, tmp_path / "out", at(NOW))
    second = Page.read(tmp_path / "out" / "history" / "2.html")
    assert 'id="open-h"' not in second.html and "정부 데이터센터 화재" not in second.text
    assert re.findall("메신저 플랫폼 장애", second.text) == ["메신저 플랫폼 장애"]


def test_durations_read_in_their_two_largest_units_and_a_same_day_end_as_its_clock(demo: Path, tmp_path: Path) -> None:
    build(demo, tmp_path / "out", at("2025-11-01T10:00+09:00"))
    history = Page.read(tmp_path / "out" / "history.html").text
    assert "2025년 10월 28일 (화) 21:00 KST (32일)" in history
    assert "2022년 10월 17일 (월) 12:09 KST (1일 20시간)" in history
    assert "2025년 3월 14일 (금) 12:05 KST – 12:45 KST (40분)" in history


# Whom to call


def test_the_contacts_follow_the_alternatives_once(site: Path) -> None:
    home = Page.read(site / "index.html")
    down = between(home, 'id="down-h"', "</section>\n</section>")
    assert "1588-1111" not in between(home, 'id="down-h"', 'class="call"').text, "not on each card"
    call = between(home, 'class="call"', "</section>").text
    assert call.count("1588-1111") == 1 and call.count("1544-2222") == 1
    assert "증권 도움말" in call and "그룹 홈페이지" not in call and "영업점 찾기" not in call
    assert "tel:15881111" in down.html
    alternatives = between(Page.read(site / "alternatives.html"), 'class="call"', "</section>").text
    assert "대체 수단을 이용하기 어려우시면 문의해 주세요" in alternatives and "1544-2222" in alternatives


def test_an_open_incident_and_a_service_name_whom_to_call_for_their_own_services(site: Path) -> None:
    incident = Page.read(site / "incidents" / "2025-09-27-app.html")
    call = between(incident, 'class="call"', "</section>").text
    assert "1588-1111" in call and "1544-2222" not in call
    affected = between(incident, 'id="affected-h"', "</section>\n\n")
    assert 'class="call"' in affected.html
    fire = between(Page.read(site / "incidents" / "2025-09-26-fire.html"), 'class="call"', "</section>").text
    assert "1588-1111" in fire and "1544-2222" in fire
    service = between(Page.read(site / "services" / "card-application.html"), 'class="call"', "</section>").text
    assert "1544-2222" in service and "1588-1111" not in service
    assert 'class="call"' not in (site / "incidents" / "2025-09-20-chat.html").read_text(encoding="utf-8")
    assert 'class="call"' not in (site / "services" / "bank-chat.html").read_text(encoding="utf-8")


def test_an_affiliates_section_calls_its_own_numbers(site: Path) -> None:
    bank = between(Page.read(site / "bank" / "index.html"), 'class="call"', "</section>").text
    assert "1588-1111" in bank and "1544-2222" not in bank and "예시은행" not in bank.split("문의해 주세요", 1)[1]
    securities = between(Page.read(site / "securities" / "index.html"), 'class="call"', "</section>").text
    assert "증권 도움말" in securities


# Names in another language than the page's


def test_the_new_list_parts_mark_a_name_shown_in_another_language(group, tmp_path: Path) -> None:
    group.replace("site.yaml", "name: {ko: 예시은행, en: Example Bank}", "name: 예시은행")
    group.replace("services.yaml", "name: {ko: 메신저 상담, en: Chat support}\n        depends_on: [messenger]\n  - id: card-services",
                  "name: 메신저 상담\n        depends_on: [messenger]\n  - id: card-services")
    build(group.root, tmp_path / "out", at(NOW))
    english = Page.read(tmp_path / "out" / "en" / "history.html").html
    assert ('<span lang="ko">예시은행</span> (<span lang="ko">메신저 상담</span>) · '
            'Example Card (Chat support)') in english
    home = Page.read(tmp_path / "out" / "en" / "index.html").html
    assert '<span class="affiliate"><span lang="ko">예시은행</span></span>' in home
    assert '<h4><span lang="ko">예시은행</span></h4>' in between(Page(home), 'class="call"', "</section>").html
