"""Paginated lists: the history and each service's incidents are cut into pages of a fixed size,
so no page grows with years of notices, and every incident stays reachable, in order, once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import INCIDENT, at
from html_text import Page

from generator.build import build
from generator.state import listing

NOW = "2025-12-31T10:00+09:00"


def write_incidents(tree, count: int) -> None:
    """`count` incidents hitting id-check, one a day from 2025-09-01 (so they span two months)."""
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").unlink(missing_ok=True)
    for day in range(count):
        started = f"2025-{9 + day // 30:02d}-{day % 30 + 1:02d}"
        text = INCIDENT.replace("2025-09-26T20:15", f"{started}T08:00").replace("2025-09-26T21:30", f"{started}T09:00") \
            .replace("2025-09-28T12:00", f"{started}T10:00").replace("2025-09-29T09:00", f"{started}T11:00") \
            .replace("신분증 진위확인 중단", f"장애 {day:03d}")
        tree.write(f"incidents/{started}-n{day:03d}.yaml", text)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "HISTORY_PAGE_SIZE", 4)
    monkeypatch.setattr(listing, "SERVICE_PAGE_SIZE", 3)


def listed(page: Page) -> list[str]:
    return re.findall(r"장애 (\d{3})(?!\d)", page.text)


@pytest.mark.parametrize(("count", "history_pages", "service_pages"), [(0, 1, 1), (3, 1, 1), (4, 1, 2), (5, 2, 2), (9, 3, 3)])
def test_page_counts_at_the_boundaries(tree, tmp_path: Path, small_pages: None, count: int, history_pages: int,
                                       service_pages: int) -> None:
    write_incidents(tree, count)
    build(tree.root, tmp_path / "out", at(NOW))
    out = tmp_path / "out"
    found = ["history.html"] + sorted(p.relative_to(out).as_posix() for p in (out / "history").glob("*.html")) \
        if (out / "history").exists() else ["history.html"]
    assert found == ["history.html"] + [f"history/{n}.html" for n in range(2, history_pages + 1)]
    service = out / "services" / "id-check"
    assert len(list(service.glob("*.html")) if service.exists() else []) == service_pages - 1
    assert not (out / "history" / f"{history_pages + 1}.html").exists()


def test_every_incident_is_listed_once_newest_first_across_pages(tree, tmp_path: Path, small_pages: None) -> None:
    write_incidents(tree, 9)
    build(tree.root, tmp_path / "out", at(NOW))
    out = tmp_path / "out"
    history = [listed(Page.read(out / key)) for key in ("history.html", "history/2.html", "history/3.html")]
    assert history == [["008", "007", "006", "005"], ["004", "003", "002", "001"], ["000"]]
    services = [listed(Page.read(out / "services" / key)) for key in ("id-check.html", "id-check/2.html", "id-check/3.html")]
    assert [n for page in services for n in page] == [f"{n:03d}" for n in range(8, -1, -1)]
    assert [len(page) for page in services] == [3, 3, 3]


def test_pages_link_to_their_neighbours_and_say_where_the_reader_is(tree, tmp_path: Path, small_pages: None) -> None:
    write_incidents(tree, 9)
    build(tree.root, tmp_path / "out", at(NOW))
    out = tmp_path / "out"
    first, middle = Page.read(out / "history.html"), Page.read(out / "history" / "2.html")
    assert "history/2.html" in first.links() and "1 / 3 페이지" in first.text
    assert {"../history.html", "../history/3.html"} <= set(middle.links()) and "2 / 3 페이지" in middle.text
    assert "../incidents/2025-09-05-n004.html" in middle.links()
    english = Page.read(out / "en" / "history" / "3.html")
    assert "Page 3 of 3" in english.text and "../../history/3.html" in english.links()
    last_service = Page.read(out / "services" / "id-check" / "3.html")
    assert {"../../services/id-check/2.html", "../../incidents/2025-09-01-n000.html"} <= set(last_service.links())


def test_a_services_further_pages_list_older_incidents_and_point_to_its_status(tree, tmp_path: Path,
                                                                               small_pages: None) -> None:
    """Only a service's first page shows its current status, what to use instead and the time
    that is as of; the further pages list older incidents and link back to the first."""
    write_incidents(tree, 9)
    build(tree.root, tmp_path / "out", at(NOW))
    service = tmp_path / "out" / "services"
    first = (service / "id-check.html").read_text(encoding="utf-8")
    assert 'class="facts"' in first and 'class="as-of"' in first
    for further in ("id-check/2.html", "id-check/3.html"):
        html = (service / further).read_text(encoding="utf-8")
        assert 'class="facts"' not in html and 'class="as-of"' not in html and 'class="instead"' not in html
        page = Page.read(service / further)
        assert "../../services/id-check.html" in page.links() and "현재 상태와 대체 수단 보기" in page.text
    english = Page.read(tmp_path / "out" / "en" / "services" / "id-check" / "2.html")
    assert "../../../en/services/id-check.html" in english.links() and "Current status and what to use instead" in english.text


def test_a_single_page_has_no_pager(tree, tmp_path: Path) -> None:
    write_incidents(tree, 3)
    build(tree.root, tmp_path / "out", at(NOW))
    assert 'class="pager"' not in (tmp_path / "out" / "history.html").read_text(encoding="utf-8")
