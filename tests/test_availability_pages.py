"""The availability history as readers and programs meet it: the demo's figures worked out
independently from its YAML, the bars and the table saying the same, the JSON API carrying the
page's numbers, the incident page's outage minutes by service, and the 30-day badge."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import DEMO, DEMO_NOW, at
from html_text import Page

from generator.build import build

SEOUL = ZoneInfo("Asia/Seoul")
SEVERITY = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
KO_WORDS = {"이용 불가": "major_outage", "일부 장애": "partial_outage", "성능 저하": "degraded_performance",
            "점검": "under_maintenance"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build(DEMO, out, at(DEMO_NOW))
    return out


# The demo's figures, worked out from its YAML alone --------------------------------------------


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _minute_statuses(now: datetime) -> tuple[dict[str, dict[datetime, str]], dict[str, datetime]]:
    """Each service's status at every minute any demo incident was open, by the content format's
    own words (docs/content-format.md): a service an open incident lists takes the worst status
    those incidents give it; one no open incident lists takes the worst status of an upstream it
    relies on (directly or through services it depends on). With each service's history end."""
    services = _yaml(DEMO / "services.yaml")
    depends = {s["id"]: s.get("depends_on", []) for g in services["groups"] for s in g["services"]}
    upstream_ids = {u["id"] for u in services["upstreams"]}

    def upstreams(service: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found: set[str] = set()
        for dep in depends.get(service, []):
            if dep in upstream_ids:
                found.add(dep)
            elif dep not in seen:
                found |= upstreams(dep, seen | {service})
        return found

    incidents = []
    for path in sorted((DEMO / "incidents").glob("*.yaml")):
        data = _yaml(path)
        steps = [(_when(data["started"]), {(a.get("service") or a["upstream"]): a["status"] for a in data["affected"]},
                  True)]
        for update in data["updates"]:
            if _when(update["at"]) > now:
                break
            status = {**steps[-1][1], **(update.get("services") or {})}
            if update["status"] == "resolved":
                status = {target: "operational" for target in status}
            steps.append((_when(update["at"]), status, update["status"] != "resolved"))
        incidents.append(steps)
    found: dict[str, dict[datetime, str]] = {service: {} for service in depends}
    ends = {service: _history_end(now, service, upstreams(service), incidents) for service in depends}
    for steps in incidents:
        for service in depends:
            moment, end = steps[0][0], (steps[-1][0] if not steps[-1][2] else ends[service])
            while moment < end:
                found[service][moment] = _status_at(service, moment, incidents, upstreams(service))
                moment += timedelta(minutes=1)
    return found, ends


def _history_end(now: datetime, service: str, upstreams: set[str], incidents: list) -> datetime:
    """Where a service's history stops, by docs/availability.md: its own last change by now (the
    start or a published update of an incident that names it or an upstream it relies on, or a
    window of it opening or closing), or today's midnight if that is later."""
    moments = [step[0] for steps in incidents if {service, *upstreams} & {t for step in steps for t in step[1]}
               for step in steps]
    for path in (DEMO / "maintenance").glob("*.yaml"):
        window = _yaml(path)
        if service in window["services"]:
            moments += [_when(window["starts"]), _when(window["ends"])]
    midnight = datetime.combine(now.astimezone(SEOUL).date(), datetime.min.time(), SEOUL)
    return max([m for m in moments if m <= now] + [midnight])


def _status_at(service: str, moment: datetime, incidents: list, upstreams: set[str]) -> str:
    open_now = []
    for steps in incidents:
        current = [step for step in steps if step[0] <= moment]
        if current and current[-1][2]:
            open_now.append(current[-1][1])
    named = [status[service] for status in open_now if service in status]
    if named:
        return max(named, key=SEVERITY.index)
    return max([status[u] for status in open_now for u in upstreams if u in status] or ["operational"],
               key=SEVERITY.index)


def _figure(down_major: int, down_partial: int, measured: int) -> str:
    """Availability as the page states it: rounded down to a hundredth of a percent."""
    hundredths = (10 * measured - 10 * down_major - 3 * down_partial) * 10000 // (10 * measured)
    return "100" if hundredths == 10000 else f"{hundredths // 100}.{hundredths % 100:02d}"


def _expected_figures(now: datetime) -> dict[str, tuple[str, str, dict[str, dict[str, int]]]]:
    """Per service: the 90- and 30-day figures, and minutes per status per day, from the YAML."""
    local_now = now.astimezone(SEOUL)
    today = local_now.date()
    assert not [p for p in (DEMO / "maintenance").glob("*.yaml") if _when(_yaml(p)["starts"]) < now], \
        "this derivation assumes no maintenance window has begun by the demo's --now"

    statuses, ends = _minute_statuses(now)

    def measured(days: int, service: str) -> int:
        start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), SEOUL)
        return int((ends[service] - start).total_seconds()) // 60

    found = {}
    for service, minutes in statuses.items():
        per_day: dict[str, dict[str, int]] = {}
        for moment, status in minutes.items():
            day = moment.astimezone(SEOUL).date()
            if status != "operational" and (today - day).days < 90:
                per_day.setdefault(day.isoformat(), {}).setdefault(status, 0)
                per_day[day.isoformat()][status] += 1
        figures = []
        for days in (90, 30):
            counted = [(s, n) for d, by in per_day.items() if (today - date.fromisoformat(d)).days < days
                       for s, n in by.items()]
            major = sum(n for s, n in counted if s == "major_outage")
            partial = sum(n for s, n in counted if s == "partial_outage")
            figures.append(_figure(major, partial, measured(days, service)))
        found[service] = (figures[0], figures[1], per_day)
    return found


class _Reader(HTMLParser):
    """A service page's history as a reader meets it: the table's rows (the day as its <time>
    says it, the cell's words, its links) and the bars (each bar's class, place and tooltip)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict] = []
        self.bars: list[dict] = []
        self._in: list[str] = []
        self._svg: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "table" and "uptime-days" in (found.get("class") or ""):
            self._in.append("table")
        elif tag == "tr" and "table" in self._in:
            self.rows.append({"date": None, "cells": [], "links": []})
        elif tag in ("th", "td") and self.rows and "table" in self._in:
            self.rows[-1]["cells"].append("")
        elif tag == "time" and self.rows and "table" in self._in:
            self.rows[-1]["date"] = self.rows[-1]["date"] or found["datetime"]
        elif tag == "a" and self.rows and "table" in self._in:
            self.rows[-1]["links"].append(found["href"])
            self._in.append("a")
        elif tag == "svg" and "bars-tall" in (found.get("class") or ""):
            self._svg = found
        elif tag == "rect" and self._svg is not None:
            self.bars.append({"class": found["class"], "x": int(found["x"]), "title": ""})
        elif tag == "title" and self._svg is not None:
            self._in.append("title")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and "table" in self._in:
            self._in.remove("table")
        elif tag in ("title", "a") and tag in self._in:
            self._in.remove(tag)
        elif tag == "svg":
            self._svg = None

    def handle_data(self, data: str) -> None:
        if "title" in self._in:
            self.bars[-1]["title"] += data
        elif "table" in self._in and "a" not in self._in and self.rows and self.rows[-1]["cells"]:
            self.rows[-1]["cells"][-1] += data


def read_history(path: Path) -> _Reader:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.rows = [row for row in reader.rows if row["date"]]  # the header row has no day
    for row in reader.rows:  # what happened, without the notices' titles
        row["text"] = row["cells"][1].strip()
    return reader


def _status_words(text: str) -> dict[str, str]:
    """'이용 불가 3시간 45분 · 일부 장애 20분' → {major_outage: '3시간 45분', partial_outage: '20분'}."""
    found = {}
    for part in text.split(" · "):
        for words, status in KO_WORDS.items():
            if part.startswith(words + " "):
                found[status] = part.removeprefix(words + " ")
    return found


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}시간 {rest}분" if hours and rest else f"{hours}시간" if hours else f"{rest}분"


def test_each_service_page_states_the_figures_worked_out_from_the_yaml(site: Path) -> None:
    expected = _expected_figures(at(DEMO_NOW))
    # By hand: the fire's 795 minutes (20:15 to 09:30, the last update) of 128,730 and 42,330.
    assert expected["id-card-check"][:2] == ("99.38", "98.12")
    for service, (ninety, thirty, per_day) in expected.items():
        page = Page.read(site / "services" / f"{service}.html")
        assert f"최근 90일 가용률 {ninety}% · 최근 30일 가용률 {thirty}%" in page.text, service
        reader = read_history(site / "services" / f"{service}.html")
        shown = {row["date"]: _status_words(row["text"]) for row in reader.rows}
        assert shown == {day: {s: _duration(n) for s, n in by.items()} for day, by in per_day.items()}, service


def test_the_demo_home_page_marks_the_fires_days_in_each_hit_services_bars(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8").split('id="catalog-h"', 1)[1]
    first = date(2025, 9, 27) - timedelta(days=89)
    hit = {"id-card-check": "major_outage", "remote-account-opening": "major_outage", "giro-payment": "partial_outage",
           "card-application": "major_outage", "remote-account-opening-sec": "major_outage"}
    for service, status in hit.items():
        row = home.split(f'<a href="services/{service}.html">', 1)[1].split("</li>", 1)[0]
        svg = ET.fromstring(row[row.index("<svg"):row.index("</svg>") + 6])
        assert svg.get("aria-hidden") == "true" and svg.get("viewBox") == "0 0 360 20"
        marked = {(first + timedelta(days=int(r.get("x")) // 4)).isoformat(): r.get("class") for r in svg.iter("rect")}
        assert marked == {"2025-09-26": f"bar-{status}", "2025-09-27": f"bar-{status}"}, service
    assert "최근 90일 가용률 </span>99.38%" in home


def test_bars_and_table_tell_a_sighted_reader_and_a_screen_reader_the_same_days(site: Path) -> None:
    for path in sorted((site / "services").glob("*.html")):
        reader = read_history(path)
        shown = int(Page.read(path).html.split('class="bars bars-tall" viewBox="0 0 ', 1)[1].split(" ", 1)[0]) // 4
        first = at(DEMO_NOW).date() - timedelta(days=shown - 1)
        bars = {(first + timedelta(days=bar["x"] // 4)).isoformat(): bar for bar in reader.bars}
        assert sorted(bars) == sorted(row["date"] for row in reader.rows), path
        for row in reader.rows:
            words = row["text"]
            bar = bars[row["date"]]
            worst = max(_status_words(words), key=SEVERITY.index)
            assert bar["class"] == f"bar-{worst}" and bar["title"].endswith(f": {words}"), (path, row)
            assert row["links"] and all(link.startswith("../incidents/") for link in row["links"])


def _as_page(value: float) -> str:
    return "100" if value == 100 else f"{value:.2f}"


def test_the_api_carries_the_pages_figures(site: Path) -> None:
    sentences = {"": "최근 90일 가용률 {0}% · 최근 30일 가용률 {1}%",
                 "en/": "{0}% available (last 90 days) · {1}% available (last 30 days)"}
    for prefix, sentence in sentences.items():
        components = json.loads((site / prefix / "api" / "v2" / "components.json").read_text(encoding="utf-8"))
        for component in components["components"]:
            history = component["noticeboard"]["availability"]
            figures = {p["days"]: _as_page(p["availability"]) for p in history["periods"]}
            if component["group"]:
                home = Page.read(site / prefix / "index.html").html
                assert f"{figures[90]}%</p>" in home.split(f">{component['name']}</h3>", 1)[1].split("</p>", 1)[0] + "</p>"
                continue
            path = site / prefix / "services" / f"{component['id']}.html"
            assert sentence.format(figures[90], figures[30]) in Page.read(path).text, (prefix, component["id"])
            reader = read_history(path)
            assert [d["date"] for d in history["days"]] == sorted(row["date"] for row in reader.rows)
    ko = json.loads((site / "api" / "v2" / "components.json").read_text(encoding="utf-8"))
    card = next(c for c in ko["components"] if c["id"] == "id-card-check")["noticeboard"]["availability"]
    assert [(p["days"], p["availability"], p["minutes"]["major_outage"]) for p in card["periods"]] == \
        [(30, 98.12, 795), (90, 99.38, 795)]
    assert card["shown"] == 90
    assert card["days"][-1] == {"date": "2025-09-27", "age": 0, "status": "major_outage",
                                "incidents": ["2025-09-26-nirs-fire"],
                                "minutes": {"major_outage": 570, "partial_outage": 0, "degraded_performance": 0,
                                            "under_maintenance": 0}}
    summary = json.loads((site / "bank" / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    home = Page.read(site / "index.html")
    bank = summary["noticeboard"]["availability"]["periods"][-1]["availability"]
    assert f"예시은행 ✕ 일부 서비스 이용 불가 (4/12) 최근 90일 가용률 {bank}%" in home.text


def test_the_incident_page_lists_outage_minutes_by_service_as_the_api_does(site: Path) -> None:
    page = Page.read(site / "incidents" / "2025-09-26-nirs-fire.html")
    table = Page(page.html.split('id="outage-h"', 1)[1].split("</table>", 1)[0])
    # 20:15 on the 26th to 09:30 on the 27th (the last update): 795 minutes, partly for giro
    # payments, fully for the rest.
    assert "서비스별 중단 시간 서비스 이용 불가 일부 장애 지로·공과금 납부 0분 795분 신분증 진위확인 795분 0분" in \
        table.text.replace("\n", " ")
    assert "아직 진행 중이어서 다음 시각까지 잰 시간입니다: 2025년 9월 27일 (토) 09:30 KST" in page.text
    api = json.loads((site / "api" / "v2" / "incidents.json").read_text(encoding="utf-8"))
    nirs = next(i for i in api["incidents"] if i["id"] == "2025-09-26-nirs-fire")["noticeboard"]["outages"]
    for row in nirs:
        name = Page.read(site / "services" / f"{row['id']}.html").text.split(" ", 1)[0]
        assert name in table.text
    assert {r["id"]: (r["minutes"]["major_outage"], r["minutes"]["partial_outage"]) for r in nirs} == {
        "giro-payment": (0, 795), "id-card-check": (795, 0), "remote-account-opening": (795, 0),
        "remote-loan": (795, 0), "public-mydata-service": (795, 0), "card-application": (795, 0),
        "remote-account-opening-sec": (795, 0)}
    mydata = Page.read(site / "incidents" / "2025-07-22-public-mydata-delay.html")
    assert "비대면 대출 신청 (연계 시스템 장애로 영향) 70분" in mydata.text


def test_the_30_day_badge_says_what_the_service_page_says(site: Path) -> None:
    svg = ET.fromstring((site / "badges" / "availability" / "id-card-check.svg").read_bytes())
    ns = "{http://www.w3.org/2000/svg}"
    assert [t.text for t in svg.iter(f"{ns}text")] == ["신분증 진위확인", "30일 98.12%"]
    assert svg.get("aria-label") == "신분증 진위확인: 최근 30일 가용률 98.12%"
    assert "최근 30일 가용률 98.12%" in Page.read(site / "services" / "id-card-check.html").text
    english = ET.fromstring((site / "en" / "badges" / "availability" / "internet-banking.svg").read_bytes())
    assert [t.text for t in english.iter(f"{ns}text")] == ["Internet banking", "100% (30 days)"]
